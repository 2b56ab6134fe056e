# bench/fw/stack.awk - worst-case stack depth from GCC's call graphs
# (-fcallgraph-info=su: one .ci file per object).
#
#   awk -v root=main -v indirect="caller:fn caller:fn2" -f bench/fw/stack.awk *.ci
#
# Prints "BYTES PATH": the deepest chain of frames from root.  A call
# through a function pointer (__indirect_call) in `caller` is taken to go
# to each fn that `indirect` pairs with it (the handlers the program
# registers; a pointer call with no pair counts nothing, so name them all);
# a dynamic frame size (alloca, VLAs) or a recursion is reported as
# "unbounded".  Library functions without a graph (memcpy, the soft-float
# helpers) count 0 of their own: they are leaf routines of a few words.
function short(t) { sub(/^.*:/, "", t); return t }
function resolve(t,    s) {
	if (t in size) return t
	s = short(t)
	if (s in byshort) return byshort[s]
	return t
}
function depth(f,    best, bp, i, n, c, d, parts, k, tgts, t) {
	if (f in memo) return memo[f]
	if (onpath[f]) { unbounded = "recursion through " short(f); return 0 }
	onpath[f] = 1
	best = 0; bp = ""
	n = split(callees[f], parts, SUBSEP)
	for (i = 1; i <= n; i++) {
		if (parts[i] == "") continue
		if (parts[i] == "__indirect_call") {
			k = split(indirect, tgts, " ")
			for (c = 1; c <= k; c++) {
				if (index(tgts[c], short(f) ":") != 1) continue
				t = resolve(substr(tgts[c], length(short(f)) + 2))
				d = depth(t)
				if (d > best) { best = d; bp = memopath[t] }
			}
			continue
		}
		c = resolve(parts[i])
		d = depth(c)
		if (d > best) { best = d; bp = memopath[c] }
	}
	onpath[f] = 0
	memo[f] = size[f] + best
	memopath[f] = short(f) "(" size[f] + 0 ")" (bp != "" ? " > " bp : "")
	return memo[f]
}
/^node:/ {
	if (match($0, /title: "[^"]*"/)) {
		t = substr($0, RSTART + 8, RLENGTH - 9)
		if (match($0, /\\n[0-9]+ bytes \([a-z,]+\)/)) {
			lab = substr($0, RSTART + 2, RLENGTH - 2)
			split(lab, w, " ")
			size[t] = w[1] + 0
			if (lab !~ /static/) unbounded = "dynamic frame in " short(t)
			byshort[short(t)] = t
		}
	}
}
/^edge:/ {
	match($0, /sourcename: "[^"]*"/); s = substr($0, RSTART + 13, RLENGTH - 14)
	match($0, /targetname: "[^"]*"/); d = substr($0, RSTART + 13, RLENGTH - 14)
	callees[s] = callees[s] SUBSEP d
}
END {
	r = resolve(root)
	total = depth(r)
	if (unbounded != "") print "unbounded " unbounded
	else print total " " memopath[r]
}
