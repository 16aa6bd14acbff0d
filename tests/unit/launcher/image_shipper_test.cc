// ImageShipper decides by image id, never by the per-release tag alone: an
// unchanged image pushed again under a new tag is tagged on the server, not
// shipped. Only the paths that need no HQ engine run here; the shipping
// itself is proven by the deploy e2e tests.
#include <boost/test/unit_test.hpp>

#include "launcher/image_shipper.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

namespace {

const Endpoint kServer{"s1", "10.77.0.2", 22, "quarry"};
const BuiltImage kImage{"web", "quarry/blog-web:r8", "sha256:abc"};

}  // namespace

BOOST_AUTO_TEST_SUITE(image_shipper)

BOOST_AUTO_TEST_CASE(an_id_the_server_has_under_its_tag_costs_one_inspect) {
  FakeShell shell;
  shell.on_out("docker image inspect", "[\"quarry/blog-web:r8\"]\n");
  ImageShipper shipper(shell, {});
  auto shipped = shipper.ensure(kServer, kImage);
  BOOST_REQUIRE(shipped.has_value());
  BOOST_TEST(!*shipped);
  std::vector<std::string> want{"docker image inspect --format '{{json .RepoTags}}' sha256:abc"};
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(an_id_the_server_has_under_an_older_tag_is_tagged_not_shipped) {
  FakeShell shell;
  shell.on_out("docker image inspect", "[\"quarry/blog-web:r7\"]\n");
  ImageShipper shipper(shell, {});
  auto shipped = shipper.ensure(kServer, kImage);
  BOOST_REQUIRE(shipped.has_value());
  BOOST_TEST(!*shipped);
  std::vector<std::string> want{"docker image inspect --format '{{json .RepoTags}}' sha256:abc",
                                "docker tag sha256:abc quarry/blog-web:r8"};
  BOOST_TEST(shell.commands() == want, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(a_failed_tag_is_an_error_naming_the_server) {
  FakeShell shell;
  shell.on_out("docker image inspect", "[]\n");
  shell.on("docker tag", ProcessResult{1, "", "no space left", false});
  ImageShipper shipper(shell, {});
  auto shipped = shipper.ensure(kServer, kImage);
  BOOST_REQUIRE(!shipped.has_value());
  BOOST_TEST(shipped.error().message.find("s1") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
