#!/bin/sh
# Mixed mode (issue 11): the status bar, the statistics and the profile
# line agree on the target and the rate.  The status bar names the kind
# of the cycle under way ("mixed (stim)") with the device's target for
# it; the profile line gives both kinds' peak and rate and marks that
# kind (">stim 40.0 mmHg 110 cpm"), with the same peak as the target;
# every statistics row's expectation is one of the two kinds'.  Checked
# on many screens across the kinds' changes.  On the old code the status
# bar said "mixed" with the stimulation target while the profile line
# gave the expression peak and rate.
. tests/e2e/tui_lib.inc

start_pane 160 45 C.UTF-8
run "$PB --sim s10pro"
wait_for 'link +UP' 20
keys s
wait_for '\| running \|' 10
# m until the mode is mixed (expression -> mixed on this profile)
_n=0
until cap | head -n 1 | grep -q '| mixed'; do
	[ $_n -lt 3 ] || fail "never in mixed mode"
	keys m
	sleep 1
	_n=$((_n + 1))
done
wait_for 'mixed \((stim|expr)\)' 10
seen=""
looks=0
_t=$((40 * PB_E2E_SCALE))
while [ $_t -gt 0 ]; do
	cap > "$TMPD/s.txt"
	st=$(head -n 1 "$TMPD/s.txt")
	kind=$(echo "$st" | sed -n 's/.*mixed (\(stim\|expr\)).*/\1/p')
	tgt=$(echo "$st" | sed -n 's/.* target \([0-9.]*\) mmHg.*/\1/p')
	pl=$(grep -o 'profile: mixed L[0-9]* .*cpm' "$TMPD/s.txt" | head -n 1)
	if [ -n "$kind" ] && [ -n "$pl" ]; then
		looks=$((looks + 1))
		# the marked kind in the profile line, and its peak
		mk=$(echo "$pl" | sed -n 's/.*>\(stim\|expr\) \([0-9.]*\) mmHg \([0-9]*\) cpm.*/\1 \2/p')
		[ -n "$mk" ] || fail "profile line marks no kind: '$pl'"
		[ "$mk" = "$kind $tgt" ] ||
			fail "status bar says $kind target $tgt, profile line '$pl'"
		case " $seen " in *" $kind "*) ;; *) seen="$seen $kind";; esac
		# every statistics row expects one of the two kinds' peak and rate
		ps=$(echo "$pl" | sed -n 's/.*stim \([0-9]*\)\.[0-9] mmHg \([0-9]*\) cpm.*/\1 \2/p')
		pe=$(echo "$pl" | sed -n 's/.*expr \([0-9]*\)\.[0-9] mmHg \([0-9]*\) cpm.*/\1 \2/p')
		for row in $(grep -oE '│ch[12] +[0-9]+ +[0-9.]+\( *[0-9]+\) +[0-9.-]+ +[0-9.]+\( *[0-9]+\)' "$TMPD/s.txt" |
		    sed -E 's/.*\( *([0-9]+)\) +[0-9.-]+ +[0-9.]+\( *([0-9]+)\)/\1_\2/'); do
			exp=$(echo "$row" | tr _ ' ')
			[ "$exp" = "$ps" ] || [ "$exp" = "$pe" ] ||
				fail "a statistics row expects $exp, the profile line '$pl'"
		done
	fi
	case "$seen" in *stim*expr*|*expr*stim*) [ $looks -ge 10 ] && break;; esac
	sleep 0.3
	_t=$((_t - 1))
done
case "$seen" in *stim*expr*|*expr*stim*) ;; *) fail "saw only '$seen' in $looks looks";; esac
echo "agreed in $looks looks ($seen)"
keys q
wait_for 'Stop it and quit' 5
keys y
wait_for 'EXIT=0' 15
echo "ok"
