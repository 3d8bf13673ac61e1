module example.com/goroutinegroups

go 1.19
