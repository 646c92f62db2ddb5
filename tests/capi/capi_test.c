/* The C API (include/osier/osier.h) from C: every function, on success and on its error paths.
 * Plain C11, compiled as C, so the header is checked to be C too. Runs from ctest (capi_c);
 * exits nonzero at the first failed check, naming it. */
#define _POSIX_C_SOURCE 200809L

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "osier/osier.h"

static int checks = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    ++checks;                                                                  \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      exit(1);                                                                 \
    }                                                                          \
  } while (0)

/* The call succeeded: no message, else the message is shown. */
#define CHECK_OK(err)                                                              \
  do {                                                                             \
    ++checks;                                                                      \
    if ((err) != NULL) {                                                           \
      fprintf(stderr, "%s:%d: unexpected error: %s\n", __FILE__, __LINE__, (err)); \
      exit(1);                                                                     \
    }                                                                              \
  } while (0)

/* The call failed with `code`; the message is freed. */
#define CHECK_ERR(err, code)                                                     \
  do {                                                                           \
    ++checks;                                                                    \
    if ((err) == NULL || osier_error_code(err) != (code)) {                      \
      fprintf(stderr, "%s:%d: expected error %s, got: %s\n", __FILE__, __LINE__, \
              osier_error_code_name(code), (err) ? (err) : "success");           \
      exit(1);                                                                   \
    }                                                                            \
    osier_free(err);                                                             \
    (err) = NULL;                                                                \
  } while (0)

static char* join(const char* a, const char* b) {
  size_t n = strlen(a) + strlen(b) + 1;
  char* out = malloc(n);
  CHECK(out != NULL);
  snprintf(out, n, "%s%s", a, b);
  return out;
}

static void hex(const uint8_t* bytes, size_t n, char* out) {
  for (size_t i = 0; i < n; ++i) sprintf(out + 2 * i, "%02x", bytes[i]);
  out[2 * n] = '\0';
}

static void write_file(const char* path, const char* text) {
  FILE* f = fopen(path, "wb");
  CHECK(f != NULL);
  CHECK(fwrite(text, 1, strlen(text), f) == strlen(text));
  CHECK(fclose(f) == 0);
}

static char* read_file(const char* path) {
  FILE* f = fopen(path, "rb");
  CHECK(f != NULL);
  static char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  return buf;
}

/* Spec vectors (../shared/vectors/willow25.json "william3"). */
static void test_william3(void) {
  uint8_t d[32];
  char text[65];
  osier_william3(NULL, 0, d);
  hex(d, 32, text);
  CHECK(strcmp(text, "96d34c5478458231e364767952aaea02a31d2203c66f4365692ef91f351068d2") == 0);
  const char* sights = "See all the sights!";
  osier_william3((const uint8_t*)sights, strlen(sights), d);
  hex(d, 32, text);
  CHECK(strcmp(text, "5b1df3d38cb57f8a744f382f55329d5237c0fd7a48fa462b38746335bc5553ea") == 0);

  /* Incremental, in pieces, equals one-shot; finalize does not end the hasher. */
  osier_william3_t* h = osier_william3_new();
  CHECK(h != NULL);
  osier_william3_update(h, (const uint8_t*)sights, 4);
  osier_william3_update(h, (const uint8_t*)sights + 4, strlen(sights) - 4);
  uint8_t d2[32];
  osier_william3_finalize(h, d2);
  CHECK(memcmp(d, d2, 32) == 0);
  osier_william3_update(h, (const uint8_t*)"x", 1);
  osier_william3_finalize(h, d2);
  CHECK(memcmp(d, d2, 32) != 0);
  osier_william3_destroy(h);

  uint8_t key[32];
  for (int i = 0; i < 32; ++i) key[i] = (uint8_t)i;
  uint8_t k1[32], k2[32];
  osier_william3_keyed(key, (const uint8_t*)sights, strlen(sights), k1);
  CHECK(memcmp(k1, d, 32) != 0);
  h = osier_william3_new_keyed(key);
  osier_william3_update(h, (const uint8_t*)sights, strlen(sights));
  osier_william3_finalize(h, k2);
  CHECK(memcmp(k1, k2, 32) == 0);
  osier_william3_destroy(h);
  osier_william3_destroy(NULL);
}

static void test_errors_and_frees(const char* dir) {
  char* err = NULL;
  CHECK(osier_error_code(NULL) == OSIER_OK);
  CHECK(osier_error_code("not found: x") == OSIER_NOT_FOUND);
  CHECK(osier_error_code("something else") == OSIER_INTERNAL);
  CHECK(strcmp(osier_error_code_name(OSIER_NOT_FOUND), "not found") == 0);
  CHECK(strcmp(osier_error_code_name(99), "unknown error") == 0);
  CHECK(strlen(osier_version()) >= 5);

  /* NULL-safe releases. */
  osier_free(NULL);
  osier_home_close(NULL);
  osier_entry_destroy(NULL);
  osier_iter_destroy(NULL);
  osier_names_destroy(NULL);
  CHECK(osier_names_count(NULL) == 0);
  CHECK(osier_iter_next(NULL) == NULL);

  /* A home that was never initialised. */
  char* missing = join(dir, "/missing");
  CHECK(osier_home_open(missing, 0, &err) == NULL);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  /* A second failure replaces the first message (no leak: the sanitizer build checks). */
  CHECK(osier_home_open(missing, 0, &err) == NULL);
  CHECK(osier_home_open(missing, 1, &err) == NULL);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  free(missing);
}

static int count_area(osier_home_t* home, const char* area) {
  char* err = NULL;
  osier_iter_t* it = osier_iter_new(home, area, &err);
  CHECK_OK(err);
  int n = 0;
  while (osier_iter_next(it) != NULL) ++n;
  CHECK(osier_iter_next(it) == NULL);
  osier_iter_destroy(it);
  return n;
}

int main(void) {
  char tmpl[] = "/tmp/osier-capi-XXXXXX";
  const char* dir = mkdtemp(tmpl);
  CHECK(dir != NULL);
  char* err = NULL;

  test_william3();
  test_errors_and_frees(dir);

  /* ---- A home: init (twice: idempotent), open. */
  char* home_a_path = join(dir, "/a");
  CHECK(osier_home_init(home_a_path, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(osier_home_init(home_a_path, &err) == OSIER_OK);
  CHECK_OK(err);
  osier_home_t* a = osier_home_open(home_a_path, 0, &err);
  CHECK_OK(err);
  CHECK(a != NULL);
  CHECK(strcmp(osier_home_path(a), home_a_path) == 0);

  /* ---- Identities. */
  char* alice = osier_identity_new(a, "alice", &err);
  CHECK_OK(err);
  CHECK(alice != NULL && strlen(alice) == 64);
  CHECK(osier_identity_new(a, "alice", &err) == NULL); /* taken */
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  CHECK(osier_identity_new(a, "9abc", &err) == NULL); /* all hex: not a name */
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  CHECK(osier_identity_new(a, NULL, &err) == NULL);
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  char* bob = osier_identity_new(a, "bob", &err);
  CHECK_OK(err);
  osier_names_t* ids = osier_identity_list(a, &err);
  CHECK_OK(err);
  CHECK(osier_names_count(ids) == 2);
  CHECK(strcmp(osier_names_alias(ids, 0), "alice") == 0);
  CHECK(strcmp(osier_names_id(ids, 0), alice) == 0);
  CHECK(osier_names_has_secret(ids, 0) == 1);
  CHECK(strcmp(osier_names_alias(ids, 1), "bob") == 0);
  CHECK(strcmp(osier_names_alias(ids, 2), "") == 0); /* out of range: "" */
  osier_names_destroy(ids);

  /* ---- Namespaces: communal and owned. */
  char* family = osier_namespace_new(a, "family", 1, &err);
  CHECK_OK(err);
  CHECK(family != NULL && strlen(family) == 65 && family[0] == '+');
  char* work = osier_namespace_new(a, "work", 0, &err);
  CHECK_OK(err);
  CHECK(work != NULL && work[0] == '-');
  CHECK(osier_namespace_new(a, "family", 0, &err) == NULL);
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  osier_names_t* spaces = osier_namespace_list(a, &err);
  CHECK_OK(err);
  CHECK(osier_names_count(spaces) == 2);
  CHECK(strcmp(osier_names_alias(spaces, 0), "family") == 0);
  CHECK(osier_names_is_communal(spaces, 0) == 1);
  CHECK(osier_names_has_secret(spaces, 0) == 0);
  CHECK(strcmp(osier_names_alias(spaces, 1), "work") == 0);
  CHECK(strcmp(osier_names_id(spaces, 1), work) == 0);
  CHECK(osier_names_is_communal(spaces, 1) == 0);
  CHECK(osier_names_has_secret(spaces, 1) == 1);
  osier_names_destroy(spaces);

  /* ---- put, stat, get. */
  const char* text = "hello, willow";
  osier_entry_t* written = NULL;
  CHECK(osier_put(a, "willow://family.alice/notes/1", (const uint8_t*)text, strlen(text), NULL,
                  &written, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(written != NULL);
  CHECK(osier_entry_payload_length(written) == strlen(text));
  CHECK(osier_entry_path_count(written) == 2);
  size_t clen = 0;
  const uint8_t* c0 = osier_entry_path_component(written, 0, &clen);
  CHECK(clen == 5 && memcmp(c0, "notes", 5) == 0);
  CHECK(osier_entry_path_component(written, 2, &clen) == NULL && clen == 0);
  uint8_t digest[32];
  osier_william3((const uint8_t*)text, strlen(text), digest);
  CHECK(memcmp(osier_entry_payload_digest(written), digest, 32) == 0);
  char id_hex[65];
  hex(osier_entry_subspace_id(written), 32, id_hex);
  CHECK(strcmp(id_hex, alice) == 0);
  hex(osier_entry_namespace_id(written), 32, id_hex);
  CHECK(strcmp(id_hex, family + 1) == 0);
  const uint64_t t1 = osier_entry_timestamp(written);
  CHECK(t1 > 0);
  CHECK(strncmp(osier_entry_uri(written), "willow://", 9) == 0);
  osier_entry_destroy(written);

  osier_entry_t* st = osier_stat(a, "willow://family.alice/notes/1", &err);
  CHECK_OK(err);
  CHECK(osier_entry_timestamp(st) == t1);
  CHECK(osier_entry_available(st) == strlen(text));
  /* The URI it gives names the same entry. */
  osier_entry_t* again = osier_stat(a, osier_entry_uri(st), &err);
  CHECK_OK(err);
  CHECK(osier_entry_timestamp(again) == t1);
  osier_entry_destroy(again);
  osier_entry_destroy(st);

  size_t len = 0;
  uint8_t* got = osier_get(a, "willow://family.alice/notes/1", &len, &err);
  CHECK_OK(err);
  CHECK(len == strlen(text) && memcmp(got, text, len) == 0);
  osier_free(got);
  /* A slice of the payload. */
  got = osier_get(a, "willow://family.alice/notes/1?from=7&to=13", &len, &err);
  CHECK_OK(err);
  CHECK(len == 6 && memcmp(got, "willow", 6) == 0);
  osier_free(got);

  /* Error paths: missing entry, bad URI, unknown alias, someone else's subspace, read-only. */
  CHECK(osier_get(a, "willow://family.alice/notes/2", &len, &err) == NULL);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  CHECK(osier_stat(a, "willow://family.alice/notes/2", &err) == NULL);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  CHECK(osier_get(a, "http://example.com/", &len, &err) == NULL);
  CHECK(err != NULL && strstr(err, "bad entry URI") != NULL);
  CHECK_ERR(err, osier_error_code(err));
  CHECK(osier_put(a, "not a uri", (const uint8_t*)"x", 1, NULL, NULL, &err) != OSIER_OK);
  CHECK(err != NULL);
  osier_free(err);
  err = NULL;
  CHECK(osier_stat(a, "willow://nosuch.alice/x", &err) == NULL);
  CHECK(err != NULL);
  osier_free(err);
  err = NULL;
  /* bob may not write in alice's subspace of a communal namespace. */
  CHECK(osier_put(a, "willow://family.alice/bob-was-here", (const uint8_t*)"x", 1, "bob", NULL,
                  &err) == OSIER_NOT_FOUND);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  /* An owned namespace takes a capability, which no one here holds yet. */
  CHECK(osier_put(a, "willow://work.alice/x", (const uint8_t*)"x", 1, NULL, NULL, &err) ==
        OSIER_NOT_FOUND);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  /* With a write capability from the namespace's key, alice writes there. */
  CHECK(osier_cap_new(a, "work", NULL, 1, &err) == NULL); /* two identities: which? */
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  char* cap = osier_cap_new(a, "work", "alice", 1, &err);
  CHECK_OK(err);
  CHECK(cap != NULL && strlen(cap) == 16);
  osier_free(cap);
  CHECK(osier_put(a, "willow://work.alice/x", (const uint8_t*)"x", 1, NULL, NULL, &err) ==
        OSIER_OK);
  CHECK_OK(err);
  CHECK(osier_remove(a, "willow://work.alice/x", "alice", NULL, &err) == OSIER_OK);
  CHECK_OK(err);
  /* bob holds only a read capability: writing is refused as a verification failure. */
  cap = osier_cap_new(a, "work", "bob", 0, &err);
  CHECK_OK(err);
  osier_free(cap);
  CHECK(osier_put(a, "willow://work.bob/x", (const uint8_t*)"x", 1, "bob", NULL, &err) ==
        OSIER_VERIFICATION);
  CHECK_ERR(err, OSIER_VERIFICATION);
  CHECK(osier_cap_new(a, "nosuch", "alice", 1, &err) == NULL);
  CHECK(err != NULL);
  osier_free(err);
  err = NULL;
  CHECK(osier_put(a, "willow://family.alice/x", NULL, 1, NULL, NULL, &err) ==
        OSIER_INVALID_ARGUMENT);
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);

  /* ---- put_file, read_to_file. */
  char* payload_path = join(dir, "/payload.txt");
  write_file(payload_path, "from a file");
  CHECK(osier_put_file(a, "willow://family.alice/notes/2", payload_path, "alice", NULL, &err) ==
        OSIER_OK);
  CHECK_OK(err);
  char* missing_file = join(dir, "/no-such-file");
  CHECK(osier_put_file(a, "willow://family.alice/notes/3", missing_file, NULL, NULL, &err) ==
        OSIER_IO);
  CHECK_ERR(err, OSIER_IO);
  char* out_path = join(dir, "/out.txt");
  CHECK(osier_read_to_file(a, "willow://family.alice/notes/2", out_path, 0, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(strcmp(read_file(out_path), "from a file") == 0);
  /* An existing file: refused, unless overwrite. */
  CHECK(osier_read_to_file(a, "willow://family.alice/notes/1", out_path, 0, &err) ==
        OSIER_INVALID_ARGUMENT);
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  CHECK(strcmp(read_file(out_path), "from a file") == 0);
  CHECK(osier_read_to_file(a, "willow://family.alice/notes/1", out_path, 1, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(strcmp(read_file(out_path), text) == 0);
  /* A missing entry leaves the file as it was. */
  CHECK(osier_read_to_file(a, "willow://family.alice/nothing", out_path, 1, &err) ==
        OSIER_NOT_FOUND);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  CHECK(strcmp(read_file(out_path), text) == 0);

  /* ---- Iteration: (subspace, path) order, exactly the entries written. */
  CHECK(osier_put(a, "willow://family.alice/pics/cat", (const uint8_t*)"meow", 4, NULL, NULL,
                  &err) == OSIER_OK);
  CHECK_OK(err);
  osier_iter_t* it = osier_iter_new(a, "family", &err);
  CHECK_OK(err);
  const char* expect[] = {"notes/1", "notes/2", "pics/cat"};
  for (int i = 0; i < 3; ++i) {
    const osier_entry_t* e = osier_iter_next(it);
    CHECK(e != NULL);
    size_t l0 = 0, l1 = 0;
    const uint8_t* p0 = osier_entry_path_component(e, 0, &l0);
    const uint8_t* p1 = osier_entry_path_component(e, 1, &l1);
    char path[64];
    snprintf(path, sizeof path, "%.*s/%.*s", (int)l0, (const char*)p0, (int)l1, (const char*)p1);
    CHECK(strcmp(path, expect[i]) == 0);
  }
  CHECK(osier_iter_next(it) == NULL);
  osier_iter_destroy(it);
  /* An Area URI: the entries under notes/. */
  CHECK(count_area(a, "willow://family.alice/notes?area") == 2);
  CHECK(osier_iter_new(a, "nosuch", &err) == NULL);
  CHECK(err != NULL);
  osier_free(err);
  err = NULL;

  /* ---- remove prunes notes/1 and notes/2, keeps pics/cat (and writes a tombstone). */
  uint64_t pruned = 0;
  CHECK(osier_remove(a, "willow://family.alice/notes", NULL, &pruned, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(pruned == 2);
  CHECK(osier_get(a, "willow://family.alice/notes/1", &len, &err) == NULL);
  CHECK_ERR(err, OSIER_NOT_FOUND);
  got = osier_get(a, "willow://family.alice/pics/cat", &len, &err);
  CHECK_OK(err);
  CHECK(len == 4 && memcmp(got, "meow", 4) == 0);
  osier_free(got);
  /* The tombstone: an empty payload, and get gives a non-NULL empty buffer. */
  got = osier_get(a, "willow://family.alice/notes", &len, &err);
  CHECK_OK(err);
  CHECK(got != NULL && len == 0);
  osier_free(got);
  CHECK(count_area(a, "family") == 2);

  /* ---- Drops: export from a, import into b. */
  char* drop_path = join(dir, "/family.drop");
  uint64_t exported = 0;
  CHECK(osier_drop_export(a, "family", drop_path, 0, &exported, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(exported == 2);
  CHECK(osier_drop_export(a, "family", drop_path, 0, NULL, &err) == OSIER_INVALID_ARGUMENT);
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);

  char* home_b_path = join(dir, "/b");
  CHECK(osier_home_init(home_b_path, &err) == OSIER_OK);
  osier_home_t* b = osier_home_open(home_b_path, 0, &err);
  CHECK_OK(err);
  uint64_t inserted = 0;
  CHECK(osier_drop_import(b, drop_path, &inserted, &err) == OSIER_OK);
  CHECK_OK(err);
  CHECK(inserted == 2);
  /* b knows no aliases: the entry by ids. */
  char* cat_uri = NULL;
  {
    size_t n = strlen("willow://") + 65 + 1 + 64 + strlen("/pics/cat") + 1;
    cat_uri = malloc(n);
    snprintf(cat_uri, n, "willow://%s.%s/pics/cat", family, alice);
  }
  got = osier_get(b, cat_uri, &len, &err);
  CHECK_OK(err);
  CHECK(len == 4 && memcmp(got, "meow", 4) == 0);
  osier_free(got);
  CHECK(count_area(b, family) == 2);
  spaces = osier_namespace_list(b, &err); /* the namespace without an alias */
  CHECK_OK(err);
  CHECK(osier_names_count(spaces) == 1);
  CHECK(strcmp(osier_names_alias(spaces, 0), "") == 0);
  CHECK(strcmp(osier_names_id(spaces, 0), family) == 0);
  osier_names_destroy(spaces);
  /* Again: nothing new. A damaged drop changes nothing and says so. */
  CHECK(osier_drop_import(b, drop_path, &inserted, &err) == OSIER_OK);
  CHECK(inserted == 0);
  char* bad_drop = join(dir, "/bad.drop");
  write_file(bad_drop, "this is no drop");
  CHECK(osier_drop_import(b, bad_drop, &inserted, &err) != OSIER_OK);
  CHECK(err != NULL);
  osier_free(err);
  err = NULL;
  osier_home_close(b);

  /* ---- A read-only home reads but refuses writes. */
  osier_home_t* ro = osier_home_open(home_a_path, 1, &err);
  CHECK_OK(err);
  got = osier_get(ro, "willow://family.alice/pics/cat", &len, &err);
  CHECK_OK(err);
  osier_free(got);
  CHECK(osier_put(ro, "willow://family.alice/pics/dog", (const uint8_t*)"woof", 4, NULL, NULL,
                  &err) == OSIER_INVALID_ARGUMENT);
  CHECK_ERR(err, OSIER_INVALID_ARGUMENT);
  osier_home_close(ro);

  osier_home_close(a);
  osier_free(alice);
  osier_free(bob);
  osier_free(family);
  osier_free(work);
  free(home_a_path);
  free(home_b_path);
  free(payload_path);
  free(missing_file);
  free(out_path);
  free(drop_path);
  free(bad_drop);
  free(cat_uri);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  CHECK(system(cmd) == 0);
  printf("capi_test: %d checks passed\n", checks);
  return 0;
}
