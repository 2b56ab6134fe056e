expect("a", 1, {low=0, high=2, marginal_high=1})
expect("b", false)
log(string.rep("x", 10))
