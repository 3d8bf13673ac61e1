module example.com/legacyshapes

go 1.19
