module example.com/leaky

go 1.19

require github.com/acme/reqctx v0.0.0

replace github.com/acme/reqctx => ./third_party/reqctx
