/* osier.h — the C API of osier, a Willow protocol implementation (willowprotocol.org).
 *
 * A local node in a home directory (the same homes the `osier` CLI uses): identities and
 * namespaces named by alias, capabilities from the node's own keys, entries written from bytes
 * or files and read back, area listings, Willow deletes (prefix pruning), drops (the Willow Drop
 * Format) exported and imported, and the WILLIAM3 hash. Built as the shared library libosier_c.so
 * (CMake target osier_c); it exports the osier_* symbols of this header and nothing else.
 * docs/c-api.md has examples in C and Python (python/osier/ is a ctypes binding over this header).
 *
 * Conventions (those of LevelDB's include/leveldb/c.h):
 *
 * Handles. Every osier_*_t is opaque; a function that returns one gives it to the caller, who
 * releases it with the matching osier_*_close / _destroy (all of which accept NULL). Entries an
 * iterator yields are borrowed from the iterator (see osier_iter_next).
 *
 * Errors. A function that can fail takes `char** errptr` as its last argument. REQUIRES: errptr
 * is not NULL and *errptr is NULL or a message an earlier call left there. On success *errptr is
 * left alone; on failure any old message is freed and *errptr is set to a new one, allocated
 * with malloc, which the caller frees with osier_free. A message always begins with the name of
 * its code and ": " ("not found: no entry at willow://..."); osier_error_code(message) gives the
 * code back. Functions that return int return OSIER_OK (0) or the error code; functions that
 * return a pointer return NULL on failure.
 *
 * Bytes. Inputs are (pointer, length) pairs and need not be NUL-terminated; a NULL pointer is
 * allowed with length 0. Strings (paths, URIs, aliases) are NUL-terminated UTF-8. Buffers this
 * API allocates for the caller are allocated with malloc and freed with osier_free.
 * Ids (namespace and subspace ids, digests) are 32 raw bytes; where this API returns them as
 * text, a subspace id is 64 lowercase hex digits and a namespace id is its kind's sign ('+'
 * communal, '-' owned) and 64 lowercase hex digits, as Entry URIs write them.
 *
 * Entries are named by Entry URIs, willow://NAMESPACE.SUBSPACE/path, where NAMESPACE and
 * SUBSPACE are ids (as above: a namespace id with its sign) or aliases of this home (docs/cli.md
 * "URIs"). Areas are named by Area URIs or by a namespace alias or id alone (all of the
 * namespace), as `osier ls` and `osier drop export` take them.
 *
 * Threads. A home handle and everything made from it (iterators) must be used by one thread at
 * a time; distinct handles may be used by distinct threads, also on the same home directory (the
 * store's own locking serialises writers across handles and processes). Handles of one home in
 * one process share its open store (LMDB allows one per process: store/lmdb_env_registry.hpp),
 * so while a read-only handle has it open, a writable handle's first store access fails with
 * OSIER_INVALID_ARGUMENT: open the writable one first. The WILLIAM3 functions use no shared
 * state. No function calls back into the caller, so no caller code ever runs under osier's
 * locks.
 */
#ifndef OSIER_OSIER_H_
#define OSIER_OSIER_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(OSIER_C_BUILDING)
#define OSIER_EXPORT __attribute__((visibility("default")))
#else
#define OSIER_EXPORT
#endif

/* ---- Errors and memory */

/* The error codes; stable: their numbers never change. They are osier::ErrorCode's
 * (include/osier/base/status.hpp). */
typedef enum osier_code_t {
  OSIER_OK = 0,
  OSIER_INVALID_ARGUMENT = 1,   /* the caller passed something the operation cannot accept */
  OSIER_INVALID_ENCODING = 2,   /* bytes do not form a valid code */
  OSIER_NON_CANONIC = 3,        /* a valid code, but not the canonic one */
  OSIER_INCOMPLETE = 4,         /* input ended before a value was complete */
  OSIER_OUT_OF_RANGE = 5,       /* a value exceeds a limit */
  OSIER_VERIFICATION = 6,       /* a signature, digest or proof did not check out */
  OSIER_NOT_FOUND = 7,          /* no such home, alias or entry; payload bytes not held */
  OSIER_IO = 8,                 /* the system refused: a missing file, permissions, ... */
  OSIER_CORRUPT = 9,            /* stored data violates its format */
  OSIER_INTERNAL = 10,          /* a bug in osier */
  OSIER_RESOURCE_EXHAUSTED = 11 /* out of space or memory: full disk, the store's map full */
} osier_code_t;

/* The code an error message of this API begins with; OSIER_OK for NULL, OSIER_INTERNAL for text
 * that is not such a message. */
OSIER_EXPORT int osier_error_code(const char* errmsg);
/* The name of a code as messages begin with it ("not found"); static storage. */
OSIER_EXPORT const char* osier_error_code_name(int code);

/* Frees what this API allocated for the caller (messages, strings, payload buffers). NULL is
 * fine. */
OSIER_EXPORT void osier_free(void* ptr);

/* The library's version, "MAJOR.MINOR.PATCH"; static storage. */
OSIER_EXPORT const char* osier_version(void);

/* ---- Homes */

typedef struct osier_home_t osier_home_t;

/* Creates the home directory's layout where it is missing (idempotent). `path` NULL or "" means
 * $OSIER_HOME, else ~/.local/share/osier, as for the CLI. */
OSIER_EXPORT int osier_home_init(const char* path, char** errptr);

/* Opens an initialised home (OSIER_NOT_FOUND otherwise); `path` as for osier_home_init. With
 * `read_only` nonzero the store opens read-only: every write through the handle fails
 * (OSIER_INVALID_ARGUMENT), and read-only directories and backups can be read. The store opens on
 * first use. */
OSIER_EXPORT osier_home_t* osier_home_open(const char* path, int read_only, char** errptr);
OSIER_EXPORT void osier_home_close(osier_home_t* home);
/* The home's directory; owned by the handle. */
OSIER_EXPORT const char* osier_home_path(const osier_home_t* home);

/* ---- Identities and namespaces */

/* A list of named ids (identities or namespaces), owned by the caller. Index i < count. */
typedef struct osier_names_t osier_names_t;
OSIER_EXPORT size_t osier_names_count(const osier_names_t* names);
/* The alias; "" for a namespace the store holds entries of but that has no alias. */
OSIER_EXPORT const char* osier_names_alias(const osier_names_t* names, size_t i);
/* The id as text (see "Ids" above). */
OSIER_EXPORT const char* osier_names_id(const osier_names_t* names, size_t i);
/* Nonzero when this home holds the secret key (an identity's, an owned namespace's). */
OSIER_EXPORT int osier_names_has_secret(const osier_names_t* names, size_t i);
/* Nonzero for a communal namespace (spec: willow25#is_communal); for identities 0. */
OSIER_EXPORT int osier_names_is_communal(const osier_names_t* names, size_t i);
OSIER_EXPORT void osier_names_destroy(osier_names_t* names);

/* Creates an identity (a fresh Ed25519 key pair, the public key being its subspace id) named
 * `alias`, keeping its secret key in the home. Returns its id (64 hex digits, for osier_free).
 * OSIER_INVALID_ARGUMENT for a bad or taken alias (1 to 64 of [A-Za-z0-9_~-], starting with a
 * letter, not all hex digits). */
OSIER_EXPORT char* osier_identity_new(osier_home_t* home, const char* alias, char** errptr);
/* The identities with an alias, ordered by alias. */
OSIER_EXPORT osier_names_t* osier_identity_list(osier_home_t* home, char** errptr);

/* Creates a namespace named `alias`: communal (everyone writes in their own subspace) when
 * `communal` is nonzero, else owned (its secret key is kept; writing takes a capability, which
 * osier_cap_new makes). Returns its id ('+' or '-' and 64 hex digits, for osier_free). */
OSIER_EXPORT char* osier_namespace_new(osier_home_t* home, const char* alias, int communal,
                                       char** errptr);
/* The namespaces with an alias, ordered by alias, then those the store holds entries of
 * without one. */
OSIER_EXPORT osier_names_t* osier_namespace_list(osier_home_t* home, char** errptr);

/* Makes and keeps a capability (spec: meadowcap) for namespace `ns` (alias or id) whose
 * receiver is the identity `receiver` (alias or id; NULL: the one identity whose secret key this
 * home holds): a write capability when `write` is nonzero, else a read capability. In a communal
 * namespace, for the receiver's own subspace; in an owned one, for all of it, signed with the
 * namespace's secret key (OSIER_NOT_FOUND unless this home holds it). Writing to an owned
 * namespace needs such a write capability, as `osier cap new` makes. Returns the capability's id
 * (16 hex digits, for osier_free). */
OSIER_EXPORT char* osier_cap_new(osier_home_t* home, const char* ns, const char* receiver,
                                 int write, char** errptr);

/* ---- Entries */

/* One entry's metadata. Made by osier_stat and osier_put (the caller's, released with
 * osier_entry_destroy) or yielded by an iterator (the iterator's). Pointers it returns stay
 * valid as long as it does. */
typedef struct osier_entry_t osier_entry_t;
OSIER_EXPORT const uint8_t* osier_entry_namespace_id(const osier_entry_t* e); /* 32 bytes */
OSIER_EXPORT const uint8_t* osier_entry_subspace_id(const osier_entry_t* e);  /* 32 bytes */
OSIER_EXPORT size_t osier_entry_path_count(const osier_entry_t* e);
/* Path component i < osier_entry_path_count(e): its bytes and, in *len, their count. */
OSIER_EXPORT const uint8_t* osier_entry_path_component(const osier_entry_t* e, size_t i,
                                                       size_t* len);
/* Microseconds since the Unix epoch. */
OSIER_EXPORT uint64_t osier_entry_timestamp(const osier_entry_t* e);
OSIER_EXPORT uint64_t osier_entry_payload_length(const osier_entry_t* e);
/* The payload's WILLIAM3 digest, 32 bytes. */
OSIER_EXPORT const uint8_t* osier_entry_payload_digest(const osier_entry_t* e);
/* How many of the payload's leading bytes this home holds (payload_length: all). */
OSIER_EXPORT uint64_t osier_entry_available(const osier_entry_t* e);
/* The entry's URI, willow://NAMESPACE.SUBSPACE/path with ids in hex. */
OSIER_EXPORT const char* osier_entry_uri(const osier_entry_t* e);
OSIER_EXPORT void osier_entry_destroy(osier_entry_t* e);

/* Writes the entry `uri` names with the payload data[0, len): signed by `as` (an identity's
 * alias or id; NULL: whichever identity holds a write capability for it — in a communal
 * namespace the identity whose subspace it is), timestamped now (or just after the newest entry
 * it must replace). Like every Willow write it prunes the entries at and below its path
 * (spec: data_model#prefix_pruning): writing at a prefix of other entries' paths deletes them.
 * An empty payload writes a tombstone. All or nothing: on failure the store is unchanged.
 * On success returns 0 and, when `written` is not NULL, sets *written to the entry written
 * (the caller's). OSIER_NOT_FOUND when no held key or capability may write there. The bytes
 * pass through a temporary file in the home's tmp/ (the store takes payloads as streams). */
OSIER_EXPORT int osier_put(osier_home_t* home, const char* uri, const uint8_t* data, size_t len,
                           const char* as, osier_entry_t** written, char** errptr);
/* As osier_put, with the payload read from the file at `file`. */
OSIER_EXPORT int osier_put_file(osier_home_t* home, const char* uri, const char* file,
                                const char* as, osier_entry_t** written, char** errptr);

/* The stored entry `uri` names (the caller's); OSIER_NOT_FOUND when none. */
OSIER_EXPORT osier_entry_t* osier_stat(osier_home_t* home, const char* uri, char** errptr);

/* The payload of the entry `uri` names (or the slice its ?from=&to= names), in a buffer for
 * osier_free, its length in *len. Not NULL on success, even for an empty payload.
 * OSIER_NOT_FOUND when the entry or some of the bytes asked for are not held; OSIER_CORRUPT
 * when the stored entry or payload fails verification; OSIER_RESOURCE_EXHAUSTED when the buffer
 * cannot be allocated (large payloads: osier_read_to_file streams). */
OSIER_EXPORT uint8_t* osier_get(osier_home_t* home, const char* uri, size_t* len, char** errptr);

/* Writes the payload (or slice) to the file at `file`, streamed: into a temporary file beside
 * it, renamed over it once complete, so `file` has the whole payload or is untouched. An
 * existing `file` is replaced when `overwrite` is nonzero and it is a regular file, else
 * OSIER_INVALID_ARGUMENT. */
OSIER_EXPORT int osier_read_to_file(osier_home_t* home, const char* uri, const char* file,
                                    int overwrite, char** errptr);

/* Willow's delete: writes at `uri`'s path an entry with an empty payload (a tombstone), which
 * prunes every entry at and below that path in its subspace (spec: data_model#prefix_pruning),
 * signed as for osier_put. The tombstone is written even when nothing is stored there. Sets
 * *pruned (when not NULL) to the number of entries removed. */
OSIER_EXPORT int osier_remove(osier_home_t* home, const char* uri, const char* as, uint64_t* pruned,
                              char** errptr);

/* ---- Listing an area */

typedef struct osier_iter_t osier_iter_t;

/* The entries of `area` (an Area URI, or a namespace alias or id: all of it), in ascending
 * (subspace, path) order; for an Area URI with count= or size= limits, the entries that area of
 * interest includes, newest first (spec: grouping_entries#aoi_include). The iterator reads the
 * entries' metadata (not payloads) when it is made: later writes do not show in it. */
OSIER_EXPORT osier_iter_t* osier_iter_new(osier_home_t* home, const char* area, char** errptr);
/* The next entry, or NULL after the last. The entry is the iterator's, valid until the next
 * call of osier_iter_next or osier_iter_destroy. */
OSIER_EXPORT const osier_entry_t* osier_iter_next(osier_iter_t* it);
OSIER_EXPORT void osier_iter_destroy(osier_iter_t* it);

/* ---- Drops (the Willow Drop Format: docs/formats.md, spec: drop_format) */

/* Writes the entries of `area` (as for osier_iter_new) with their payloads to a drop file at
 * `file`, written beside it and renamed at the end (no partial drop is ever left there). An
 * existing `file` is replaced when `overwrite` is nonzero and it is a regular file, else
 * OSIER_INVALID_ARGUMENT. Sets *entries (when not NULL) to the count of entries written. */
OSIER_EXPORT int osier_drop_export(osier_home_t* home, const char* area, const char* file,
                                   int overwrite, uint64_t* entries, char** errptr);
/* Verifies the whole drop file (every token, every payload byte), then ingests it; a corrupt or
 * truncated drop changes nothing. Sets *inserted (when not NULL) to the count of entries the
 * store took (entries it had already, or newer ones, do not count). */
OSIER_EXPORT int osier_drop_import(osier_home_t* home, const char* file, uint64_t* inserted,
                                   char** errptr);

/* ---- WILLIAM3 (spec: bab#instantiations_william): Willow'25's hash, BLAKE3 with other
 * constants. Digests are 32 bytes. */

OSIER_EXPORT void osier_william3(const uint8_t* data, size_t len, uint8_t digest[32]);
OSIER_EXPORT void osier_william3_keyed(const uint8_t key[32], const uint8_t* data, size_t len,
                                       uint8_t digest[32]);

/* Incremental hashing: any split of the input gives the one-shot digest. NULL only when out of
 * memory. */
typedef struct osier_william3_t osier_william3_t;
OSIER_EXPORT osier_william3_t* osier_william3_new(void);
OSIER_EXPORT osier_william3_t* osier_william3_new_keyed(const uint8_t key[32]);
OSIER_EXPORT void osier_william3_update(osier_william3_t* h, const uint8_t* data, size_t len);
/* The digest of what was fed so far; the hasher stays usable (more updates may follow). */
OSIER_EXPORT void osier_william3_finalize(const osier_william3_t* h, uint8_t digest[32]);
OSIER_EXPORT void osier_william3_destroy(osier_william3_t* h);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* OSIER_OSIER_H_ */
