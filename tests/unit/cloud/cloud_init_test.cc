#include <boost/test/unit_test.hpp>

#include "cloud/cloud_init.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(cloud_init)

BOOST_AUTO_TEST_CASE(golden_with_key_and_host_key) {
  CloudInitOptions o;
  o.authorized_key = "ssh-ed25519 AAAAHQ quarry-hq";
  o.host_key_private = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n";
  o.host_key_public = "ssh-ed25519 AAAAHOST quarry-host";
  o.hostname = "q-ab12-1";
  const std::string want = R"(#cloud-config
hostname: "q-ab12-1"
users:
  - name: "quarry"
    shell: "/bin/sh"
    groups: ["docker"]
    lock_passwd: false
    passwd: "*"
    ssh_authorized_keys:
      - "ssh-ed25519 AAAAHQ quarry-hq"
groups: ["docker"]
ssh_deletekeys: true
ssh_genkeytypes: []
ssh_keys:
  ed25519_private: "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl\n-----END OPENSSH PRIVATE KEY-----\n"
  ed25519_public: "ssh-ed25519 AAAAHOST quarry-host"
package_update: true
packages: ["docker.io", "openssh-server"]
runcmd:
  - ["sh", "-c", "systemctl enable --now docker || service docker start"]
)";
  BOOST_TEST(render_cloud_init(o) == want);
}

BOOST_AUTO_TEST_CASE(values_cannot_change_the_document) {
  CloudInitOptions o;
  o.authorized_key = "ssh-ed25519 AAAA\"\nruncmd: [\"rm -rf /\"]";
  auto text = render_cloud_init(o);
  BOOST_TEST(text.find("\n      - \"ssh-ed25519 AAAA\\\"\\nruncmd: [\\\"rm -rf /\\\"]\"\n") != std::string::npos);
  BOOST_TEST(text.find("\nruncmd: [") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(without_a_host_key_the_image_keeps_its_own) {
  CloudInitOptions o;
  o.authorized_key = "ssh-ed25519 AAAAHQ";
  auto text = render_cloud_init(o);
  BOOST_TEST(text.find("ssh_keys") == std::string::npos);
  BOOST_TEST(text.find("PRIVATE") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(every_hq_key_once) {
  CloudInitOptions o;
  o.authorized_key = "ssh-ed25519 AAAAA hq1";
  o.authorized_keys = {"ssh-ed25519 AAAAB", " ", "ssh-ed25519 AAAAA hq1 ", "ssh-ed25519 AAAAC"};
  auto text = render_cloud_init(o);
  BOOST_TEST(text.find("    ssh_authorized_keys:\n      - \"ssh-ed25519 AAAAA hq1\"\n      - \"ssh-ed25519 AAAAB\"\n"
                       "      - \"ssh-ed25519 AAAAC\"\ngroups:") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
