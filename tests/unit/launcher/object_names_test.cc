// Property: the names quarry gives a process's containers, volumes, images,
// env files and router upstream never coincide for two different (stack,
// process) pairs of valid names. Checked over every DNS label of up to four
// characters from {a, b, -} (the alphabet that collides most easily) and over
// random longer labels from a fixed seed.
#include <boost/test/unit_test.hpp>

#include <map>
#include <random>
#include <set>
#include <tuple>

#include "core/names.h"
#include "core/text.h"
#include "launcher/docker_commands.h"
#include "router/route_table.h"

using namespace quarry;

namespace {

std::vector<std::string> small_labels() {
  std::vector<std::string> out, frontier = {""};
  for (int len = 1; len <= 4; ++len) {
    std::vector<std::string> next;
    for (const auto& s : frontier)
      for (char c : std::string("ab-")) next.push_back(s + c);
    for (const auto& s : next)
      if (is_dns_label(s)) out.push_back(s);
    frontier = next;
  }
  return out;
}

std::vector<std::string> random_labels(std::size_t n) {
  std::mt19937 rng(20261130);
  const std::string alphabet = "a0-";
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string s(1 + rng() % 20, 'a');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    if (is_dns_label(s)) out.push_back(s);
  }
  return out;
}

Instruction instruction(const std::string& stack, const std::string& process, bool service) {
  Instruction in;
  in.op = service ? Op::Ensure : Op::Deploy;
  in.stack = stack;
  in.target = process;
  in.process.name = process;
  in.process.is_service = service;
  return in;
}

using Pair = std::pair<std::string, std::string>;

// Records `name` for `owner`; reports the first time two owners share it.
struct Collisions {
  std::map<std::string, Pair> seen;
  std::size_t count = 0;
  void add(const std::string& kind, const std::string& name, const Pair& owner) {
    auto [it, fresh] = seen.emplace(kind + " " + name, owner);
    if (fresh || it->second == owner) return;
    if (++count <= 3)
      BOOST_ERROR(kind << " " << name << " is made for both " << it->second.first << "/" << it->second.second
                       << " and " << owner.first << "/" << owner.second);
  }
};

void check_pairs(const std::vector<std::string>& labels) {
  Collisions c;
  for (const auto& stack : labels) {
    for (const auto& process : labels) {
      Pair owner{stack, process};
      ContainerPlacement pl;
      pl.release = 7;
      pl.index = 2;
      c.add("container", container_name(instruction(stack, process, true), pl), owner);
      c.add("container", container_name(instruction(stack, process, false), pl), owner);
      c.add("volume", volume_name(stack, process, "/data"), owner);
      c.add("image", image_tag(stack, process, "7"), owner);
      c.add("upstream", upstream_name(Route{stack, process, {}, {}}), owner);
      c.add("qualified", qualified_name(stack, process), owner);
    }
  }
  BOOST_TEST(c.count == 0u);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(object_names)

BOOST_AUTO_TEST_CASE(names_of_small_labels_never_collide) {
  auto labels = small_labels();
  BOOST_TEST(labels.size() == 54u);  // 2 + 4 + 12 + 36
  check_pairs(labels);
}

BOOST_AUTO_TEST_CASE(names_of_random_labels_never_collide) { check_pairs(random_labels(120)); }

BOOST_AUTO_TEST_CASE(the_issue_pair_gets_two_names) {
  ContainerPlacement pl;
  pl.release = 1;
  pl.index = 1;
  BOOST_TEST(container_name(instruction("a-b", "c", true), pl) != container_name(instruction("a", "b-c", true), pl));
  BOOST_TEST(volume_name("a-b", "c", "/data") != volume_name("a", "b-c", "/data"));
  BOOST_TEST(upstream_name(Route{"a--b", "c", {}, {}}) != upstream_name(Route{"a", "b--c", {}, {}}));
}

BOOST_AUTO_TEST_CASE(names_are_valid_docker_names) {
  ContainerPlacement pl;
  pl.release = 12;
  pl.index = 3;
  std::string longest(63, 'a');
  BOOST_TEST(container_name(instruction(longest, longest, false), pl) == longest + "_" + longest + "_r12_3");
  BOOST_TEST(volume_name("a-b", "c", "/var/lib/data") == "a-b_c_var-lib-data");
  BOOST_TEST(image_tag("a-b", "c", "7") == "quarry/a-b_c:r7");
}

BOOST_AUTO_TEST_SUITE_END()
