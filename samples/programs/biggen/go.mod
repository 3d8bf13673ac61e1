module example.com/biggen

go 1.19
