/*
 * rss-floor.c: the resident memory of a process that links the libraries
 * databackupd links, and initialises them as its master does (curl, with
 * the OpenSSL it brings; a libevent base; a SQLite journal in WAL mode with
 * the master's cache), and does nothing else.  bench.py reports the
 * master's peak RSS against it: what is left is the daemon's own.
 *
 * usage: rss-floor DIR; prints VmHWM in KiB.
 */
#include <curl/curl.h>
#include <event2/event.h>
#include <openssl/evp.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <systemd/sd-daemon.h>

static long
status_kib(const char *key)
{
	FILE	*f;
	char	 line[256];
	long	 v = -1;
	size_t	 n = strlen(key);

	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, n) == 0)
			v = atol(line + n);
	fclose(f);
	return (v);
}

int
main(int argc, char **argv)
{
	struct event_base	*base;
	CURLM			*multi;
	CURL			*easy;
	EVP_MD_CTX		*md;
	sqlite3			*db;
	char			 path[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: rss-floor dir\n");
		return (2);
	}
	snprintf(path, sizeof(path), "%s/rss-floor.db", argv[1]);

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK ||
	    (multi = curl_multi_init()) == NULL ||
	    (easy = curl_easy_init()) == NULL ||
	    curl_multi_add_handle(multi, easy) != CURLM_OK) {
		fprintf(stderr, "rss-floor: curl\n");
		return (1);
	}
	if ((base = event_base_new()) == NULL) {
		fprintf(stderr, "rss-floor: event_base_new\n");
		return (1);
	}
	/* The master signs its token requests (RS256): SHA-256. */
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
		fprintf(stderr, "rss-floor: sha256\n");
		return (1);
	}
	if (sqlite3_open(path, &db) != SQLITE_OK ||
	    sqlite3_exec(db, "PRAGMA journal_mode = WAL; "
	    "PRAGMA synchronous = FULL; PRAGMA cache_size = -256; "
	    "CREATE TABLE IF NOT EXISTS t (a INTEGER PRIMARY KEY, b TEXT); "
	    "INSERT INTO t (b) VALUES ('x');", NULL, NULL, NULL) !=
	    SQLITE_OK) {
		fprintf(stderr, "rss-floor: sqlite: %s\n", sqlite3_errmsg(db));
		return (1);
	}
	sd_notify(0, "STATUS=rss-floor");

	printf("%ld\n", status_kib("VmHWM:"));

	sqlite3_close(db);
	EVP_MD_CTX_free(md);
	event_base_free(base);
	curl_multi_remove_handle(multi, easy);
	curl_easy_cleanup(easy);
	curl_multi_cleanup(multi);
	curl_global_cleanup();
	return (0);
}
