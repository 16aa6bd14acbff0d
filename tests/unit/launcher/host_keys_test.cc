#include <boost/test/unit_test.hpp>

#include <atomic>
#include <thread>
#include <vector>

#include "launcher/host_keys.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {

// Two ed25519 public keys and their fingerprints as `ssh-keygen -l` prints them.
const char* kKeyA = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPYy0Kgp4SIcXOWcRQSg1584VSBSFSgKS7r3fbuUntbH test";
const char* kPrintA = "SHA256:ksY3nLdvulcGNBYb6qfePfeqtRUW2DwmBylLbBi/ayg";
const char* kKeyB = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBbmQrTMVA/HSpxYc9HBEccneAVY1aJ3qndnq+VmREoV test";
const char* kPrintB = "SHA256:KyV3yRyitlGNtZZIv9wn+UpypXETiu60bj9GNOq2ODo";

std::string blob(const char* line) {
  auto b = public_key_blob(line);
  BOOST_REQUIRE(b.has_value());
  return *b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(host_keys)

BOOST_AUTO_TEST_CASE(fingerprint_matches_ssh_keygen) {
  BOOST_TEST(key_fingerprint(blob(kKeyA)) == kPrintA);
  BOOST_TEST(key_fingerprint(blob(kKeyB)) == kPrintB);
  BOOST_TEST(key_type(blob(kKeyA)) == "ssh-ed25519");
  BOOST_TEST(key_type("xx") == "unknown");
}

BOOST_AUTO_TEST_CASE(public_key_line_forms) {
  BOOST_TEST(public_key_blob(std::string("10.0.0.1 ") + kKeyA).value() == blob(kKeyA));
  BOOST_TEST(!public_key_blob("ssh-ed25519 !!!").has_value());
  BOOST_TEST(!public_key_blob("").has_value());
}

BOOST_AUTO_TEST_CASE(unknown_server_is_refused) {
  MemoryStore store;
  HostKeyStore keys(store);
  auto s = keys.verify("s1", blob(kKeyA));
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST((s.error().kind == ErrorKind::Remote));
  BOOST_TEST(s.error().message == std::string("host key for s1 is not known (") + kPrintA +
                                      "): refusing to connect; add the server with `quarry servers add --trust`"
                                      " or run `quarry servers trust s1`");
  BOOST_TEST(!store.get("keys/known_hosts/s1").value().has_value());
}

BOOST_AUTO_TEST_CASE(first_use_records_then_pins) {
  MemoryStore store;
  HostKeyStore keys(store);
  BOOST_REQUIRE(keys.trust_next_key("s1").has_value());
  BOOST_TEST(!keys.pinned("s1").value().has_value());
  BOOST_TEST(keys.verify("s1", blob(kKeyA)).has_value());
  BOOST_TEST(store.get("keys/known_hosts/s1").value().value() ==
             "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPYy0Kgp4SIcXOWcRQSg1584VSBSFSgKS7r3fbuUntbH\n");
  auto pin = keys.pinned("s1").value();
  BOOST_REQUIRE(pin.has_value());
  BOOST_TEST(pin->type == "ssh-ed25519");
  BOOST_TEST(pin->fingerprint == kPrintA);
  BOOST_TEST(keys.verify("s1", blob(kKeyA)).has_value());
}

BOOST_AUTO_TEST_CASE(changed_key_is_refused_naming_the_server) {
  MemoryStore store;
  HostKeyStore keys(store);
  BOOST_REQUIRE(keys.pin("web-3", blob(kKeyA)).has_value());
  auto s = keys.verify("web-3", blob(kKeyB));
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST((s.error().kind == ErrorKind::Remote));
  BOOST_TEST(s.error().message == std::string("host key for web-3 changed (was ") + kPrintA + ", now " + kPrintB +
                                      "): refusing to connect; if the server was rebuilt, run "
                                      "`quarry servers trust web-3`");
  // The pin is untouched; re-trusting lets the new key in.
  BOOST_TEST(keys.pinned("web-3").value()->fingerprint == kPrintA);
  BOOST_REQUIRE(keys.trust_next_key("web-3").has_value());
  BOOST_TEST(keys.verify("web-3", blob(kKeyB)).has_value());
  BOOST_TEST(keys.pinned("web-3").value()->fingerprint == kPrintB);
}

BOOST_AUTO_TEST_CASE(forget_makes_the_server_unknown) {
  MemoryStore store;
  HostKeyStore keys(store);
  BOOST_REQUIRE(keys.pin("s1", blob(kKeyA)).has_value());
  BOOST_REQUIRE(keys.forget("s1").has_value());
  BOOST_TEST(!keys.verify("s1", blob(kKeyA)).has_value());
}

BOOST_AUTO_TEST_CASE(bad_names_and_bad_entries) {
  MemoryStore store;
  HostKeyStore keys(store);
  for (const char* name : {"", "..", "a/b", "a b"}) {
    BOOST_TEST_CONTEXT("name: '" << name << "'") {
      BOOST_TEST(!keys.trust_next_key(name).has_value());
      BOOST_TEST(!keys.verify(name, blob(kKeyA)).has_value());
    }
  }
  BOOST_REQUIRE(store.put("keys/known_hosts/s2", "garbage\n").has_value());
  auto s = keys.verify("s2", blob(kKeyA));
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "host key for s2: memory:keys/known_hosts/s2 is not a key line; run `quarry servers trust s2`");
}

BOOST_AUTO_TEST_CASE(store_failure_is_an_error) {
  MemoryStore store;
  HostKeyStore keys(store);
  store.fail_with("disk on fire");
  auto s = keys.verify("s1", blob(kKeyA));
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "host key for s1: disk on fire");
}

// Many sessions to one new server connect at once: one key is pinned, and a
// different key racing in is refused.
BOOST_AUTO_TEST_CASE(concurrent_first_contact_pins_one_key) {
  MemoryStore store;
  HostKeyStore keys(store);
  BOOST_REQUIRE(keys.trust_next_key("s1").has_value());
  std::atomic<int> ok{0};
  std::vector<std::jthread> threads;
  auto a = blob(kKeyA);
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] { ok += keys.verify("s1", a).has_value() ? 1 : 0; });
  threads.clear();
  BOOST_TEST(ok.load() == 8);
  BOOST_TEST(!keys.verify("s1", blob(kKeyB)).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
