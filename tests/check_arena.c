/*
 * check_arena.c: string arenas (arena.c): copies that stay put, short
 * strings packed into shared chunks, long ones on their own.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"

START_TEST(test_copies)
{
	struct arena	*a = arena_new();
	const char	*p[2000];
	char		 name[32];
	int		 i;

	ck_assert_uint_eq(arena_size(a), 0);
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "project-%d", i);
		p[i] = arena_strdup(a, name);
		ck_assert_ptr_ne(p[i], name);
	}
	/* Every copy is still intact after the chunks filled up. */
	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "project-%d", i);
		ck_assert_str_eq(p[i], name);
	}
	ck_assert_str_eq(arena_strdup(a, ""), "");
	/* ~25 KB of names: two chunks, not one allocation each. */
	ck_assert_uint_eq(arena_size(a), 2 * ARENA_CHUNK);
	arena_free(a);
	arena_free(NULL);
}
END_TEST

START_TEST(test_long)
{
	struct arena	*a = arena_new();
	const char	*s, *t, *u;
	char		*big;

	big = malloc(ARENA_CHUNK + 10);
	ck_assert_ptr_nonnull(big);
	memset(big, 'b', ARENA_CHUNK + 9);
	big[ARENA_CHUNK + 9] = '\0';
	s = arena_strdup(a, "before");
	t = arena_strdup(a, big);
	u = arena_strdup(a, "after");
	ck_assert_str_eq(t, big);
	ck_assert_str_eq(s, "before");
	ck_assert_str_eq(u, "after");
	/* The long one has a chunk of its own; "after" shares the first. */
	ck_assert_uint_eq(arena_size(a), ARENA_CHUNK + ARENA_CHUNK + 10);
	ck_assert_ptr_eq(u, s + strlen(s) + 1);
	free(big);
	arena_free(a);

	/* A long string first, then short ones. */
	a = arena_new();
	big = malloc(ARENA_CHUNK / 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'c', ARENA_CHUNK / 2 - 1);
	big[ARENA_CHUNK / 2 - 1] = '\0';
	t = arena_strdup(a, big);
	s = arena_strdup(a, "x");
	ck_assert_str_eq(t, big);
	ck_assert_str_eq(s, "x");
	ck_assert_uint_eq(arena_size(a), ARENA_CHUNK / 2 + ARENA_CHUNK);
	free(big);
	arena_free(a);
}
END_TEST

static Suite *
arena_suite(void)
{
	Suite	*s = suite_create("arena");
	TCase	*tc = tcase_create("strings");

	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_copies);
	tcase_add_test(tc, test_long);
	suite_add_tcase(s, tc);
	return (s);
}

int
main(void)
{
	SRunner	*sr = srunner_create(arena_suite());
	int	 failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return (failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE);
}
