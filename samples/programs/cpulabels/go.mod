module example.com/cpulabels

go 1.19
