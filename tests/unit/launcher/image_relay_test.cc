// An HQ whose engine lacks an image (a peer HQ rolling back or healing)
// copies it from a server that holds it: docker save there streamed into
// docker load on the target, through the HQ, by image id.
#include <boost/test/unit_test.hpp>

#include <map>
#include <mutex>
#include <set>

#include "launcher/image_relay.h"
#include "launcher/image_shipper.h"

using namespace quarry;

namespace {

// Servers' image stores, played over the RemoteShell seam: `docker save ID`
// prints "tar:ID" followed by filler, `docker load` takes such a stream in,
// `docker image inspect ... ID` answers whether the server holds ID.
class ImageHosts : public RemoteShell {
 public:
  std::map<std::string, std::set<std::string>> images;  // server to image ids
  std::set<std::string> down;
  std::size_t filler = 3 * kRelayBuffer;  // more than the relay holds at once

  Result<ProcessResult> run(const Endpoint& host, const Command& cmd) override {
    if (down.count(host.name)) return fail_remote(host.name + ": unreachable");
    const auto& a = cmd.argv;
    std::string id = a.back();
    if (a[1] == "image" && a[2] == "inspect") return ProcessResult{has(host.name, id) ? 0 : 1, "", "", false};
    if (a[1] == "tag") return ProcessResult{};
    if (a[1] == "save") {
      if (!has(host.name, id)) return ProcessResult{1, "", "no such image", false};
      cmd.on_output(true, "tar:" + id + "\n");
      std::string block(64 * 1024, 'x');
      for (std::size_t sent = 0; sent < filler; sent += block.size()) cmd.on_output(true, block);
      return ProcessResult{};
    }
    if (a[1] == "load") {
      std::string in;
      char buf[65536];
      long n;
      while ((n = cmd.stdin_source(buf, sizeof buf)) > 0) in.append(buf, static_cast<std::size_t>(n));
      auto nl = in.find('\n');
      if (!in.starts_with("tar:") || nl == std::string::npos || in.size() != nl + 1 + filler)
        return ProcessResult{1, "", "bad tarball", false};
      std::lock_guard lock(mu_);
      images[host.name].insert(in.substr(4, nl - 4));
      return ProcessResult{};
    }
    return ProcessResult{127, "", "unexpected: " + shell_join(a), false};
  }
  bool has(const std::string& server, const std::string& id) {
    std::lock_guard lock(mu_);
    return images[server].count(id) > 0;
  }

 private:
  std::mutex mu_;
};

const Endpoint kA{"a", "10.77.0.2", 22, "quarry"}, kB{"b", "10.77.0.3", 22, "quarry"}, kC{"c", "10.77.0.4", 22, "quarry"};
const BuiltImage kImage{"web", "quarry/blog-web:r8", "sha256:abc"};
// An engine no docker client can reach: this HQ never built the image.
const std::map<std::string, std::string> kNoEngine{{"DOCKER_HOST", "unix:///nonexistent/quarry-engine.sock"}};

ImageShipper::Holders all_of(std::vector<Endpoint> servers) {
  return [servers]() -> Result<std::vector<Endpoint>> { return servers; };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(image_relay)

BOOST_AUTO_TEST_CASE(relay_streams_the_whole_image_between_servers) {
  ImageHosts hosts;
  hosts.images["a"] = {"sha256:abc"};
  BOOST_REQUIRE(relay_image(hosts, kA, kB, "sha256:abc").has_value());
  BOOST_TEST(hosts.has("b", "sha256:abc"));
}

BOOST_AUTO_TEST_CASE(a_failed_save_names_both_servers_and_loads_nothing) {
  ImageHosts hosts;
  auto r = relay_image(hosts, kA, kB, "sha256:abc");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("copy image sha256:abc from a to b: docker save exited 1: no such image") !=
                 std::string::npos,
             r.error().message);
  BOOST_TEST(!hosts.has("b", "sha256:abc"));
}

BOOST_AUTO_TEST_CASE(shipper_without_the_image_on_its_engine_copies_it_from_a_holder) {
  ImageHosts hosts;
  hosts.images["c"] = {"sha256:abc"};
  hosts.down = {"a"};  // an unreachable server is skipped
  ImageShipper shipper(hosts, kNoEngine, all_of({kA, kB, kC}));
  auto shipped = shipper.ensure(kB, kImage);
  BOOST_REQUIRE_MESSAGE(shipped.has_value(), (shipped ? std::string() : shipped.error().message));
  BOOST_TEST(*shipped);
  BOOST_TEST(hosts.has("b", "sha256:abc"));
  BOOST_TEST(!*shipper.ensure(kB, kImage));  // there now: nothing more to do
}

BOOST_AUTO_TEST_CASE(an_image_nowhere_is_a_clear_error) {
  ImageHosts hosts;
  hosts.down = {"a"};
  ImageShipper shipper(hosts, kNoEngine, all_of({kA, kB, kC}));
  auto shipped = shipper.ensure(kB, kImage);
  BOOST_REQUIRE(!shipped.has_value());
  BOOST_TEST(shipped.error().message.find("neither on this HQ's engine nor on any server; a (unreachable)") !=
                 std::string::npos,
             shipped.error().message);
  BOOST_TEST(shipped.error().exit_code() == 3);
}

BOOST_AUTO_TEST_SUITE_END()
