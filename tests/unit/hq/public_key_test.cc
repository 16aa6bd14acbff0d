#include <boost/test/unit_test.hpp>

#include "hq/public_key.h"

using namespace quarry;

namespace {
const std::string kBlob = "AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+";
}

BOOST_AUTO_TEST_SUITE(public_key)

BOOST_AUTO_TEST_CASE(parses_an_openssh_line) {
  auto k = parse_public_key("\n# my laptop\nssh-ed25519 " + kBlob + " alice@laptop work\n\n");
  BOOST_REQUIRE(k.has_value());
  BOOST_TEST(k->type == "ssh-ed25519");
  BOOST_TEST(k->base64 == kBlob);
  BOOST_TEST(k->comment == "alice@laptop work");
}

// The fingerprint matches `ssh-keygen -l` for the same key.
BOOST_AUTO_TEST_CASE(fingerprint_as_ssh_keygen) {
  auto k = parse_public_key("ssh-ed25519 " + kBlob);
  BOOST_REQUIRE(k.has_value());
  BOOST_TEST(key_fingerprint(*k) == "SHA256:gy717zgIfw7tsKlOyAtMjpLVY+ocu6nGZOqipHrNZjw");
}

BOOST_AUTO_TEST_CASE(refuses_what_is_not_one_plain_key) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"", "no public key found"},
      {"ssh-ed25519 " + kBlob + "\nssh-ed25519 " + kBlob, "expected one public key, found 2 lines"},
      {"ssh-ed25519", "not an OpenSSH public key line (expected TYPE BASE64 [COMMENT])"},
      {"command=\"sh\" ssh-ed25519 " + kBlob, "key lines with authorized_keys options are refused; give the plain .pub file"},
      {"no-pty,command=x ssh-ed25519 " + kBlob, "key lines with authorized_keys options are refused; give the plain .pub file"},
      {"ssh-foo " + kBlob, "unknown key type 'ssh-foo' (expected ssh-ed25519, ssh-rsa or ecdsa-sha2-*)"},
      {"ssh-ed25519 not*base64", "the key data is not base64"},
      {"ssh-dss AAAAB3NzaC1kc3MAAACBAP1/U4Ed", "DSA keys (ssh-dss) are refused: they are weak and OpenSSH has disabled "
                                              "them; use an ssh-ed25519 key (ssh-keygen -t ed25519)"},
      {"ssh-rsa " + kBlob, "the key data does not hold a ssh-rsa key"},
      {"-----BEGIN OPENSSH PRIVATE KEY-----", "unknown key type '-----BEGIN' (expected ssh-ed25519, ssh-rsa or ecdsa-sha2-*)"},
  };
  for (const auto& c : cases) {
    auto k = parse_public_key(c.text);
    BOOST_REQUIRE_MESSAGE(!k.has_value(), c.text);
    BOOST_TEST(k.error().message == c.error, c.text);
  }
}

BOOST_AUTO_TEST_CASE(key_names) {
  for (const char* ok : {"alice", "bob.laptop", "ci_runner-2", "A"}) BOOST_TEST(is_key_name(ok), ok);
  for (const char* bad : {"", ".hidden", "-x", "a b", "a/b", "a\"b", "é", "a,b"}) BOOST_TEST(!is_key_name(bad), bad);
  BOOST_TEST(!is_key_name(std::string(65, 'a')));
}

BOOST_AUTO_TEST_SUITE_END()
