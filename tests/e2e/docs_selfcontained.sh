#!/bin/sh
# The project's docs stand on their own (issue 11): no file of the tree
# cites the build machine's reference notes (an absolute path of a build
# machine, or a link out of the project), and every relative link in the
# docs and the README names a file that exists.
set -u
fail() { echo "FAIL: $*"; exit 1; }
# the patterns are split so that this file does not match itself
w="wor""k"
out_of_tree="/$w/|\.\./shar""ed/|shar""ed/reference"
# outside: lines of stdin that cite the build machine.  The machine's
# directory /$w/ after a shell variable ("$dir"/$w/, $dir/$w/,
# ${dir}/$w/) or a path name (a/$w/, ./$w/) is a directory of that name
# relative to it, not the absolute path.
outside() {
	sed -E "s#(\\$\\{?[A-Za-z_][A-Za-z0-9_]*\\}?\"?|[A-Za-z0-9_.-])/$w/#\\1/relative/#g" |
	    grep -E "$out_of_tree"
}
# the checker itself: what it must find, and what it must leave
for l in "see /$w/shared/x.md" "cd /$w/main" "../shar""ed/reference/a.md" \
    "p=/$w/x" "\"/$w/x\"" "ls \"\$dir\"/$w/x /$w/y"; do
	[ -n "$(printf '%s\n' "$l" | outside)" ] || fail "checker missed: $l"
done
for l in "ls \"\$dir\"/$w/cal-x.json" "ls \$dir/$w/x" "ls \${d}/$w/x" \
    "a/$w/b" "./$w/x" "ls \"\${dir}\"/$w/x"; do
	[ -z "$(printf '%s\n' "$l" | outside)" ] || fail "checker flagged: $l"
done
hits=$(grep -rnIE "$out_of_tree" --exclude=.git --exclude-dir=.git --exclude-dir=build \
    --exclude-dir=bin . 2>/dev/null | outside)
[ -z "$hits" ] || fail "files cite what is outside the project:
$hits"
# relative links: [text](path) and [text](path#anchor), not URLs
bad=""
for f in README.md docs/*.md; do
	dir=$(dirname "$f")
	for target in $(grep -oE '\]\([^)#[:space:]]+' "$f" | sed 's/^](//'); do
		case "$target" in
		http://*|https://*|mailto:*) continue ;;
		esac
		[ -e "$dir/$target" ] || bad="$bad
$f: $target"
	done
done
[ -z "$bad" ] || fail "links to files that do not exist:$bad"
# the facts the issue asked to bring in are here, with their sources
grep -q '0.1 + 0.8' docs/pump-domain.md || fail "the corrected gauge formula"
grep -q '^## Sources' docs/pump-domain.md || fail "pump-domain.md has no sources"
echo "ok"
