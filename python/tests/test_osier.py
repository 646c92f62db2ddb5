"""The Python binding (python/osier) over libosier_c: each operation, and its errors as exceptions.

Run with the library named by $OSIER_LIBRARY (ctest's capi_python does so):
    OSIER_LIBRARY=build/lib/libosier_c.so PYTHONPATH=python python3 -m unittest discover -s python/tests
"""

import os
import tempfile
import unittest

import osier

# Spec vectors (../shared/vectors/willow25.json "william3").
EMPTY_DIGEST = "96d34c5478458231e364767952aaea02a31d2203c66f4365692ef91f351068d2"
SIGHTS_DIGEST = "5b1df3d38cb57f8a744f382f55329d5237c0fd7a48fa462b38746335bc5553ea"


class William3Test(unittest.TestCase):
    def test_spec_vectors(self):
        self.assertEqual(osier.william3(b"").hex(), EMPTY_DIGEST)
        self.assertEqual(osier.william3(b"See all the sights!").hex(), SIGHTS_DIGEST)

    def test_incremental_equals_one_shot(self):
        data = bytes(range(256)) * 40  # several chunks of 1024 bytes
        for split in (0, 1, 1023, 1024, 1025, 5000, len(data)):
            h = osier.William3(data[:split])
            h.update(data[split:])
            self.assertEqual(h.digest(), osier.william3(data), split)
        self.assertEqual(osier.William3().hexdigest(), EMPTY_DIGEST)

    def test_keyed(self):
        key = bytes(range(32))
        keyed = osier.william3(b"abc", key=key)
        self.assertNotEqual(keyed, osier.william3(b"abc"))
        self.assertEqual(osier.William3(b"abc", key=key).digest(), keyed)
        with self.assertRaises(osier.InvalidArgument):
            osier.william3(b"abc", key=b"short")


class HomeTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="osier-py-")
        self.dir = self.tmp.name
        self.path = os.path.join(self.dir, "home")
        osier.init_home(self.path)
        self.home = osier.Home(self.path)
        self.alice = self.home.new_identity("alice")
        self.family = self.home.new_namespace("family", communal=True)

    def tearDown(self):
        self.home.close()
        self.tmp.cleanup()

    def test_version(self):
        self.assertRegex(osier.version(), r"^\d+\.\d+\.\d+$")

    def test_missing_home_is_not_found(self):
        with self.assertRaises(osier.NotFound) as cm:
            osier.Home(os.path.join(self.dir, "nothing"))
        self.assertTrue(cm.exception.message.startswith("not found: "))
        self.assertIsInstance(cm.exception, LookupError)

    def test_context_manager_closes(self):
        with osier.Home(self.path) as h:
            self.assertEqual(h.path, self.path)
        with self.assertRaises(osier.InvalidArgument):
            h.get("willow://family.alice/x")

    def test_identities_and_namespaces(self):
        self.assertEqual(len(self.alice), 64)
        self.home.new_identity("bob")
        ids = self.home.identities()
        self.assertEqual([n.alias for n in ids], ["alice", "bob"])
        self.assertEqual(ids[0].id, self.alice)
        self.assertTrue(all(n.has_secret for n in ids))
        with self.assertRaises(osier.InvalidArgument):
            self.home.new_identity("alice")

        work = self.home.new_namespace("work", communal=False)
        self.assertTrue(self.family.startswith("+") and work.startswith("-"))
        spaces = {n.alias: n for n in self.home.namespaces()}
        self.assertEqual(set(spaces), {"family", "work"})
        self.assertTrue(spaces["family"].communal)
        self.assertFalse(spaces["family"].has_secret)
        self.assertFalse(spaces["work"].communal)
        self.assertTrue(spaces["work"].has_secret)
        self.assertEqual(spaces["work"].id, work)

    def test_put_get_stat(self):
        data = bytes(range(256)) * 10 + b"\x00end"
        written = self.home.put("willow://family.alice/notes/1", data)
        self.assertEqual(written.payload_length, len(data))
        self.assertEqual(written.payload_digest, osier.william3(data))
        self.assertEqual(written.path, [b"notes", b"1"])
        self.assertEqual(written.subspace_id.hex(), self.alice)
        self.assertEqual(written.namespace_id.hex(), self.family[1:])
        self.assertEqual(self.home.get("willow://family.alice/notes/1"), data)
        self.assertEqual(self.home.get("willow://family.alice/notes/1?from=1&to=4"), data[1:4])
        st = self.home.stat("willow://family.alice/notes/1")
        self.assertEqual(st, self.home.stat(st.uri))  # its URI names it (ids, no aliases)
        self.assertEqual(st.timestamp, written.timestamp)
        self.assertEqual(st.available, len(data))
        # Overwriting: a later entry with the new payload.
        newer = self.home.put("willow://family.alice/notes/1", b"v2")
        self.assertGreater(newer.timestamp, written.timestamp)
        self.assertEqual(self.home.get("willow://family.alice/notes/1"), b"v2")

    def test_errors_map_to_exceptions(self):
        with self.assertRaises(osier.NotFound):
            self.home.get("willow://family.alice/missing")
        with self.assertRaises(osier.NotFound):
            self.home.stat("willow://family.alice/missing")
        with self.assertRaises(osier.OsierError) as cm:
            self.home.get("https://example.com/")
        self.assertIn("bad entry URI", cm.exception.message)
        self.home.new_identity("bob")
        with self.assertRaises(osier.NotFound):  # bob holds no capability for alice's subspace
            self.home.put("willow://family.alice/x", b"x", as_identity="bob")
        with self.assertRaises(osier.NotFound):
            self.home.entries("nosuch")

    def test_owned_namespace_takes_a_capability(self):
        self.home.new_namespace("work", communal=False)
        with self.assertRaises(osier.NotFound):  # no capability yet
            self.home.put("willow://work.alice/doc", b"draft")
        cap = self.home.new_capability("work")  # alice: the one identity here
        self.assertEqual(len(cap), 16)
        self.home.put("willow://work.alice/doc", b"draft")
        self.assertEqual(self.home.get("willow://work.alice/doc"), b"draft")
        self.home.new_identity("bob")
        self.home.new_capability("work", receiver="bob", write=False)
        with self.assertRaises(osier.VerificationError):  # a read capability does not write
            self.home.put("willow://work.bob/doc", b"x", as_identity="bob")
        with self.assertRaises(osier.InvalidArgument):  # two identities now: which?
            self.home.new_capability("work")

    def test_files(self):
        src = os.path.join(self.dir, "in.bin")
        with open(src, "wb") as f:
            f.write(b"file payload")
        e = self.home.put_file("willow://family.alice/f", src)
        self.assertEqual(e.payload_length, 12)
        out = os.path.join(self.dir, "out.bin")
        self.home.read_to_file("willow://family.alice/f", out)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"file payload")
        with self.assertRaises(osier.InvalidArgument):  # exists
            self.home.read_to_file("willow://family.alice/f", out)
        self.home.put("willow://family.alice/g", b"other")
        self.home.read_to_file("willow://family.alice/g", out, overwrite=True)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"other")
        with self.assertRaises(osier.IoError):
            self.home.put_file("willow://family.alice/h", os.path.join(self.dir, "missing"))

    def test_iteration_order_and_area(self):
        for path in ("b/2", "a", "b/1", "c"):
            self.home.put("willow://family.alice/" + path, path.encode())
        bob = self.home.new_identity("bob")
        self.home.put("willow://family.bob/z", b"bob's")
        got = [(e.subspace_id.hex(), b"/".join(e.path)) for e in self.home.entries("family")]
        # Ascending (subspace, path): alice's and bob's subspaces in id order.
        want_alice = [(self.alice, p) for p in (b"a", b"b/1", b"b/2", b"c")]
        want_bob = [(bob, b"z")]
        want = want_alice + want_bob if self.alice < bob else want_bob + want_alice
        self.assertEqual(got, want)
        under_b = [b"/".join(e.path) for e in self.home.entries("willow://family.alice/b?area")]
        self.assertEqual(under_b, [b"b/1", b"b/2"])
        # The namespace by its id works like its alias.
        self.assertEqual(len(list(self.home.entries(self.family))), 5)

    def test_remove_prunes(self):
        for path in ("blog/1", "blog/2", "blog/drafts/3", "about"):
            self.home.put("willow://family.alice/" + path, b"x")
        self.assertEqual(self.home.remove("willow://family.alice/blog"), 3)
        left = [(b"/".join(e.path), e.is_tombstone) for e in self.home.entries("family")]
        self.assertEqual(left, [(b"about", False), (b"blog", True)])
        with self.assertRaises(osier.NotFound):
            self.home.get("willow://family.alice/blog/1")

    def test_drop_round_trip(self):
        self.home.put("willow://family.alice/one", b"1" * 5000)
        self.home.put("willow://family.alice/two", b"")  # a tombstone travels too
        drop = os.path.join(self.dir, "family.drop")
        self.assertEqual(self.home.export_drop("family", drop), 2)
        with self.assertRaises(osier.InvalidArgument):
            self.home.export_drop("family", drop)
        self.assertEqual(self.home.export_drop("family", drop, overwrite=True), 2)

        other = os.path.join(self.dir, "other")
        osier.init_home(other)
        with osier.Home(other) as h:
            self.assertEqual(h.import_drop(drop), 2)
            self.assertEqual(h.import_drop(drop), 0)  # nothing new
            uri = "willow://%s.%s/one" % (self.family, self.alice)
            self.assertEqual(h.get(uri), b"1" * 5000)
            self.assertEqual([b"/".join(e.path) for e in h.entries(self.family)],
                             [b"one", b"two"])
            spaces = h.namespaces()
            self.assertEqual([(n.alias, n.id) for n in spaces], [("", self.family)])
            bad = os.path.join(self.dir, "bad.drop")
            with open(bad, "wb") as f:
                f.write(b"no drop at all")
            with self.assertRaises(osier.OsierError):
                h.import_drop(bad)
            self.assertEqual(len(list(h.entries(self.family))), 2)

    def test_read_only(self):
        self.home.put("willow://family.alice/x", b"x")
        with osier.Home(self.path, read_only=True) as ro:
            self.assertEqual(ro.get("willow://family.alice/x"), b"x")
            with self.assertRaises(osier.InvalidArgument):
                ro.put("willow://family.alice/y", b"y")


    def test_read_only_handle_first_blocks_writers_in_this_process(self):
        # osier.h "Threads": one open store per home per process.
        self.home.put("willow://family.alice/x", b"x")
        self.home.close()
        ro = osier.Home(self.path, read_only=True)
        self.assertEqual(ro.get("willow://family.alice/x"), b"x")
        with osier.Home(self.path) as w:
            with self.assertRaises(osier.InvalidArgument):
                w.put("willow://family.alice/y", b"y")
            ro.close()
            w.put("willow://family.alice/y", b"y")  # the store opens writable now
            self.assertEqual(w.get("willow://family.alice/y"), b"y")


if __name__ == "__main__":
    unittest.main()
