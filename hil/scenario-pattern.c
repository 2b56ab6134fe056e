/*
 * hil/scenario-pattern.c - string.find, string.match, string.gmatch and
 * string.gsub for scenarios: Lua 5.4's pattern language, but a matcher
 * the guard can stop.
 *
 * Lua's own matcher backtracks in C: string.find(("a"):rep(1e5),
 * ("a-"):rep(30) .. "b") would run for centuries without executing one
 * Lua instruction, so neither the wall-clock guard nor SIGTERM could end
 * the scenario.  This matcher implements the same language with the same
 * results and errors (character classes %a %c %d %g %l %p %s %u %w %x, the
 * deprecated %z, and their complements, sets, '.', the quantifiers * + - ?, anchors, captures
 * and position captures, back-references %1-%9, %b and %f; at most 32
 * captures and 200 levels of nesting), and counts its work: every few
 * thousand steps it checks the scenario's guard (scn_guard), which raises
 * the scenario's end like any Lua error.  In a Lua state that is not a
 * scenario's (tests) nothing is checked.
 *
 * tests/unit/test_scenario.c compares it with the library on a table of
 * patterns; fuzz/fuzz_pattern.c does so on arbitrary ones.
 */
#include <ctype.h>
#include <stddef.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "hil/scenario-impl.h"

#define PAT_MAX_CAPTURES 32
#define PAT_MAX_DEPTH    200
#define PAT_CHECK_STEPS  4096u    /* work between two looks at the guard */
#define PAT_SPECIALS     "^$*+?.([%-"

#define CAP_UNFINISHED (-1)
#define CAP_POSITION   (-2)

struct pat {
	lua_State *L;
	struct scn *s;            /* NULL: not a scenario's state */
	const char *src, *src_end;   /* the subject */
	const char *p_end;           /* end of the pattern */
	int depth;                /* levels of match() left */
	int level;                /* captures open or closed */
	size_t work;              /* since the last look at the guard */
	struct {
		const char *at;
		ptrdiff_t len;    /* or CAP_UNFINISHED, CAP_POSITION */
	} cap[PAT_MAX_CAPTURES];
};

/* Count work; look at the guard every PAT_CHECK_STEPS of it. */
static void work(struct pat *m, size_t n)
{
	m->work += n;
	if (m->work < PAT_CHECK_STEPS)
		return;
	m->work = 0;
	if (m->s)
		scn_guard(m->L, m->s);
}

static int uc(const char *p)
{
	return (unsigned char)*p;
}

/* One item of a pattern, from p: the end of its class. */
static const char *item_end(struct pat *m, const char *p)
{
	char c = *p++;
	if (c == '%') {
		if (p == m->p_end)
			luaL_error(m->L, "malformed pattern (ends with '%%')");
		return p + 1;
	}
	if (c != '[')
		return p;
	if (*p == '^')
		p++;
	/* the first character is in the set even when it is ']' */
	do {
		if (p == m->p_end)
			luaL_error(m->L, "malformed pattern (missing ']')");
		if (*p++ == '%' && p < m->p_end)
			p++;              /* an escaped character */
	} while (*p != ']');
	return p + 1;
}

static bool in_class(int c, int cl)
{
	bool r;
	switch (tolower(cl)) {
	case 'a': r = isalpha(c); break;
	case 'c': r = iscntrl(c); break;
	case 'd': r = isdigit(c); break;
	case 'g': r = isgraph(c); break;
	case 'l': r = islower(c); break;
	case 'p': r = ispunct(c); break;
	case 's': r = isspace(c); break;
	case 'u': r = isupper(c); break;
	case 'w': r = isalnum(c); break;
	case 'x': r = isxdigit(c); break;
	case 'z': r = c == 0; break;   /* Lua still has it (deprecated) */
	default: return cl == c;     /* %. and the like: the character */
	}
	return isupper(cl) ? !r : r;
}

/* c in the set [...] from p ('[') to end (its ']') */
static bool in_set(int c, const char *p, const char *end)
{
	bool yes = true;
	if (p[1] == '^') {
		yes = false;
		p++;
	}
	while (++p < end) {
		if (*p == '%') {
			p++;
			if (in_class(c, uc(p)))
				return yes;
		} else if (p[1] == '-' && p + 2 < end) {
			if (uc(p) <= c && c <= uc(p + 2))
				return yes;
			p += 2;
		} else if (uc(p) == c) {
			return yes;
		}
	}
	return !yes;
}

/* The subject character at s matches the single item p..ep. */
static bool one(const struct pat *m, const char *s, const char *p,
    const char *ep)
{
	if (s >= m->src_end)
		return false;
	int c = uc(s);
	switch (*p) {
	case '.': return true;
	case '%': return in_class(c, uc(p + 1));
	case '[': return in_set(c, p, ep - 1);
	default: return uc(p) == c;
	}
}

static const char *match(struct pat *m, const char *s, const char *p);

/* %bxy at s */
static const char *balance(struct pat *m, const char *s, const char *p)
{
	if (p >= m->p_end - 1)
		luaL_error(m->L, "malformed pattern (missing arguments to "
		    "'%%b')");
	if (*s != *p)   /* at the subject's end this is its final NUL */
		return NULL;
	char open = p[0], close = p[1];
	int depth = 1;
	while (++s < m->src_end) {
		work(m, 1);
		if (*s == close) {
			if (--depth == 0)
				return s + 1;
		} else if (*s == open) {
			depth++;
		}
	}
	return NULL;
}

/* item* (greedy): as many as match, then back off one at a time */
static const char *greedy(struct pat *m, const char *s, const char *p,
    const char *ep)
{
	ptrdiff_t n = 0;
	while (one(m, s + n, p, ep)) {
		n++;
		work(m, 1);
	}
	for (; n >= 0; n--) {
		const char *r = match(m, s + n, ep + 1);
		if (r)
			return r;
	}
	return NULL;
}

/* item- (lazy): as few as will do */
static const char *lazy(struct pat *m, const char *s, const char *p,
    const char *ep)
{
	for (;;) {
		const char *r = match(m, s, ep + 1);
		if (r)
			return r;
		if (!one(m, s, p, ep))
			return NULL;
		s++;
	}
}

static const char *open_capture(struct pat *m, const char *s, const char *p,
    ptrdiff_t what)
{
	if (m->level >= PAT_MAX_CAPTURES)
		luaL_error(m->L, "too many captures");
	m->cap[m->level].at = s;
	m->cap[m->level].len = what;
	m->level++;
	const char *r = match(m, s, p);
	if (!r)
		m->level--;
	return r;
}

static const char *close_capture(struct pat *m, const char *s,
    const char *p)
{
	int l = m->level - 1;
	while (l >= 0 && m->cap[l].len != CAP_UNFINISHED)
		l--;
	if (l < 0)
		luaL_error(m->L, "invalid pattern capture");
	m->cap[l].len = s - m->cap[l].at;
	const char *r = match(m, s, p);
	if (!r)
		m->cap[l].len = CAP_UNFINISHED;
	return r;
}

static int capture_index(struct pat *m, int c)
{
	int l = c - '1';
	if (l < 0 || l >= m->level || m->cap[l].len == CAP_UNFINISHED)
		luaL_error(m->L, "invalid capture index %%%d", l + 1);
	return l;
}

/* %1-%9: the same text again */
static const char *backref(struct pat *m, const char *s, int c)
{
	int l = capture_index(m, c);
	size_t len = (size_t)m->cap[l].len;   /* a position: never matches */
	work(m, len / 64);
	if ((size_t)(m->src_end - s) >= len &&
	    memcmp(m->cap[l].at, s, len) == 0)
		return s + len;
	return NULL;
}

/* %f[set]: between a character not in the set and one in it */
static const char *frontier(struct pat *m, const char *s, const char **pp)
{
	const char *p = *pp + 2;
	if (*p != '[')
		luaL_error(m->L, "missing '[' after '%%f' in pattern");
	const char *ep = item_end(m, p);
	int before = s == m->src ? '\0' : uc(s - 1);
	if (!in_set(before, p, ep - 1) && in_set(uc(s), p, ep - 1)) {
		*pp = ep;
		return s;
	}
	return NULL;
}

/* Match pattern p (to m->p_end) at subject s: the end of the match or
 * NULL. */
static const char *match(struct pat *m, const char *s, const char *p)
{
	if (m->depth-- == 0)
		luaL_error(m->L, "pattern too complex");
	work(m, 1);
	while (s && p != m->p_end) {
		const char *ep;
		switch (*p) {
		case '(':
			if (p[1] == ')')
				s = open_capture(m, s, p + 2, CAP_POSITION);
			else
				s = open_capture(m, s, p + 1, CAP_UNFINISHED);
			goto done;
		case ')':
			s = close_capture(m, s, p + 1);
			goto done;
		case '$':
			if (p + 1 == m->p_end) {
				if (s != m->src_end)
					s = NULL;
				goto done;
			}
			break;          /* a '$' in the middle is a character */
		case '%':
			if (p[1] == 'b') {
				s = balance(m, s, p + 2);
				p += 4;
				continue;
			}
			if (p[1] == 'f') {
				s = frontier(m, s, &p);
				continue;
			}
			if (isdigit((unsigned char)p[1])) {
				s = backref(m, s, uc(p + 1));
				p += 2;
				continue;
			}
			break;
		}
		/* a single item, maybe quantified */
		ep = item_end(m, p);
		if (!one(m, s, p, ep)) {
			if (*ep == '*' || *ep == '?' || *ep == '-') {
				p = ep + 1;   /* zero of it will do */
				continue;
			}
			s = NULL;
			break;
		}
		switch (*ep) {
		case '?': {
			const char *r = match(m, s + 1, ep + 1);
			if (r) {
				s = r;
				goto done;
			}
			p = ep + 1;
			continue;
		}
		case '+': s = greedy(m, s + 1, p, ep); goto done;
		case '*': s = greedy(m, s, p, ep); goto done;
		case '-': s = lazy(m, s, p, ep); goto done;
		default:
			s++;
			p = ep;
			continue;
		}
	}
done:
	m->depth++;
	return s;
}

/* ---- the library functions ------------------------------------------------ */

static void begin(struct pat *m, lua_State *L, const char *s, size_t ls,
    const char *p, size_t lp)
{
	m->L = L;
	m->s = scn_get(L);
	m->src = s;
	m->src_end = s + ls;
	m->p_end = p + lp;
	m->work = 0;
}

static void again(struct pat *m)
{
	m->level = 0;
	m->depth = PAT_MAX_DEPTH;
}

/* Capture i (0-based) as a value, or the whole match s..e when the
 * pattern has none.  Returns its length, or CAP_POSITION when it pushed
 * the position itself; *at is its text. */
static ptrdiff_t capture(struct pat *m, int i, const char *s, const char *e,
    const char **at)
{
	if (i >= m->level) {
		if (i != 0)
			luaL_error(m->L, "invalid capture index %%%d", i + 1);
		*at = s;
		return e - s;
	}
	ptrdiff_t len = m->cap[i].len;
	*at = m->cap[i].at;
	if (len == CAP_UNFINISHED)
		luaL_error(m->L, "unfinished capture");
	if (len == CAP_POSITION)
		lua_pushinteger(m->L, (m->cap[i].at - m->src) + 1);
	return len;
}

static void push_capture(struct pat *m, int i, const char *s, const char *e)
{
	const char *at;
	ptrdiff_t len = capture(m, i, s, e, &at);
	if (len != CAP_POSITION)
		lua_pushlstring(m->L, at, (size_t)len);
}

/* Every capture (or the whole match when s is given and there are
 * none); returns how many. */
static int push_captures(struct pat *m, const char *s, const char *e)
{
	int n = m->level == 0 && s ? 1 : m->level;
	luaL_checkstack(m->L, n, "too many captures");
	for (int i = 0; i < n; i++)
		push_capture(m, i, s, e);
	return n;
}

/* 1-based init, negative from the end, to a 0-based offset (may be past
 * the end). */
static size_t start_at(lua_Integer pos, size_t len)
{
	if (pos > 0)
		return (size_t)pos - 1;
	if (pos == 0 || pos < -(lua_Integer)len)
		return 0;
	return (size_t)((lua_Integer)len + pos);
}

static bool plain_pattern(const char *p, size_t lp)
{
	for (size_t i = 0; i < lp; i++)
		if (p[i] && strchr(PAT_SPECIALS, p[i]))
			return false;
	return true;
}

/* Plain search, counted like the matcher's work. */
static const char *find_plain(struct pat *m, const char *s, size_t ls,
    const char *p, size_t lp)
{
	if (lp == 0)
		return s;
	if (lp > ls)
		return NULL;
	const char *end = s + (ls - lp) + 1;
	while (s < end) {
		const char *hit = memchr(s, *p, (size_t)(end - s));
		if (!hit)
			return NULL;
		work(m, (size_t)(hit - s) / 64 + lp / 64 + 1);
		if (memcmp(hit + 1, p + 1, lp - 1) == 0)
			return hit;
		s = hit + 1;
	}
	return NULL;
}

static int find_or_match(lua_State *L, bool find)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_at(luaL_optinteger(L, 3, 1), ls);
	if (init > ls) {
		luaL_pushfail(L);
		return 1;
	}
	struct pat m;
	begin(&m, L, s, ls, p, lp);
	if (find && (lua_toboolean(L, 4) || plain_pattern(p, lp))) {
		const char *hit = find_plain(&m, s + init, ls - init, p, lp);
		if (hit) {
			lua_pushinteger(L, (hit - s) + 1);
			lua_pushinteger(L, (hit - s) + (lua_Integer)lp);
			return 2;
		}
		luaL_pushfail(L);
		return 1;
	}
	bool anchor = *p == '^';
	if (anchor) {
		p++;
		lp--;
		m.p_end = p + lp;
	}
	const char *at = s + init;
	do {
		again(&m);
		const char *e = match(&m, at, p);
		if (e) {
			if (!find)
				return push_captures(&m, at, e);
			lua_pushinteger(L, (at - s) + 1);
			lua_pushinteger(L, e - s);
			return push_captures(&m, NULL, NULL) + 2;
		}
	} while (at++ < m.src_end && !anchor);
	luaL_pushfail(L);
	return 1;
}

static int l_find(lua_State *L)
{
	return find_or_match(L, true);
}

static int l_match(lua_State *L)
{
	return find_or_match(L, false);
}

/* gmatch's state, a userdata upvalue of the iterator */
struct gmatch {
	struct pat m;
	const char *at, *p, *last;
};

static int gmatch_next(lua_State *L)
{
	struct gmatch *g = lua_touserdata(L, lua_upvalueindex(3));
	g->m.L = L;
	g->m.s = scn_get(L);
	for (const char *at = g->at; at <= g->m.src_end; at++) {
		again(&g->m);
		const char *e = match(&g->m, at, g->p);
		if (e && e != g->last) {
			g->at = g->last = e;
			return push_captures(&g->m, at, e);
		}
	}
	return 0;
}

static int l_gmatch(lua_State *L)
{
	size_t ls, lp;
	const char *s = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	size_t init = start_at(luaL_optinteger(L, 3, 1), ls);
	lua_settop(L, 2);             /* the strings stay with the closure */
	struct gmatch *g = lua_newuserdatauv(L, sizeof *g, 0);
	if (init > ls)
		init = ls + 1;
	begin(&g->m, L, s, ls, p, lp);
	g->at = s + init;
	g->p = p;
	g->last = NULL;
	lua_pushcclosure(L, gmatch_next, 3);
	return 1;
}

/* The replacement string (argument 3) for the match s..e. */
static void add_template(struct pat *m, luaL_Buffer *b, const char *s,
    const char *e)
{
	size_t l;
	const char *t = lua_tolstring(m->L, 3, &l);
	const char *pc;
	while ((pc = memchr(t, '%', l)) != NULL) {
		luaL_addlstring(b, t, (size_t)(pc - t));
		pc++;
		if (*pc == '%') {
			luaL_addchar(b, '%');
		} else if (*pc == '0') {
			luaL_addlstring(b, s, (size_t)(e - s));
		} else if (isdigit((unsigned char)*pc)) {
			const char *at;
			ptrdiff_t len = capture(m, *pc - '1', s, e, &at);
			if (len == CAP_POSITION)
				luaL_addvalue(b);
			else
				luaL_addlstring(b, at, (size_t)len);
		} else {
			luaL_error(m->L, "invalid use of '%%' in replacement "
			    "string");
		}
		l -= (size_t)(pc + 1 - t);
		t = pc + 1;
	}
	luaL_addlstring(b, t, l);
}

/* Add the replacement of s..e; true when it changed the text. */
static bool add_replacement(struct pat *m, luaL_Buffer *b, const char *s,
    const char *e, int type)
{
	lua_State *L = m->L;
	if (type == LUA_TFUNCTION) {
		lua_pushvalue(L, 3);
		int n = push_captures(m, s, e);
		lua_call(L, n, 1);
	} else if (type == LUA_TTABLE) {
		push_capture(m, 0, s, e);
		lua_gettable(L, 3);
	} else {
		add_template(m, b, s, e);
		return true;
	}
	if (!lua_toboolean(L, -1)) {          /* nil or false: keep it */
		lua_pop(L, 1);
		luaL_addlstring(b, s, (size_t)(e - s));
		return false;
	}
	if (!lua_isstring(L, -1))
		luaL_error(L, "invalid replacement value (a %s)",
		    luaL_typename(L, -1));
	luaL_addvalue(b);
	return true;
}

static int l_gsub(lua_State *L)
{
	size_t ls, lp;
	const char *src = luaL_checklstring(L, 1, &ls);
	const char *p = luaL_checklstring(L, 2, &lp);
	int type = lua_type(L, 3);
	lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
	luaL_argexpected(L, type == LUA_TNUMBER || type == LUA_TSTRING ||
	    type == LUA_TFUNCTION || type == LUA_TTABLE, 3,
	    "string/function/table");
	luaL_Buffer b;
	luaL_buffinit(L, &b);
	bool anchor = *p == '^';
	if (anchor) {
		p++;
		lp--;
	}
	struct pat m;
	begin(&m, L, src, ls, p, lp);
	const char *last = NULL;
	lua_Integer n = 0;
	bool changed = false;
	while (n < max) {
		again(&m);
		const char *e = match(&m, src, p);
		if (e && e != last) {
			n++;
			changed |= add_replacement(&m, &b, src, e, type);
			src = last = e;
		} else if (src < m.src_end) {
			luaL_addchar(&b, *src++);
		} else {
			break;
		}
		if (anchor)
			break;
	}
	if (!changed) {
		lua_pushvalue(L, 1);
	} else {
		luaL_addlstring(&b, src, (size_t)(m.src_end - src));
		luaL_pushresult(&b);
	}
	lua_pushinteger(L, n);
	return 2;
}

void scn_open_patterns(lua_State *L)
{
	static const luaL_Reg fns[] = {
		{ "find", l_find }, { "match", l_match },
		{ "gmatch", l_gmatch }, { "gsub", l_gsub },
		{ NULL, NULL }
	};
	lua_getglobal(L, "string");
	luaL_setfuncs(L, fns, 0);
	lua_pop(L, 1);
}
