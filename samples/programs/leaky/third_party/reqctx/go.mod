module github.com/acme/reqctx

go 1.19
