module example.com/httpheap

go 1.19
