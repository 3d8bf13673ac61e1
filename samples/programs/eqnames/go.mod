module example.com/eqnames

go 1.19
