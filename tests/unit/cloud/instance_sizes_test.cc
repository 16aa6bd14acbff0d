#include <boost/test/unit_test.hpp>

#include "cloud/instance_sizes.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(instance_sizes)

// Each case: memory, cpu and the size it must map to.
BOOST_AUTO_TEST_CASE(digitalocean_table) {
  struct Case {
    int memory;
    double cpu;
    const char* size;
  };
  const Case cases[] = {
      {256, 0.5, "s-1vcpu-1gb"}, {1024, 1, "s-1vcpu-1gb"},  {1025, 1, "s-1vcpu-2gb"},
      {2048, 2, "s-2vcpu-2gb"},  {3000, 1, "s-2vcpu-4gb"},  {4096, 3, "s-4vcpu-8gb"},
      {16384, 8, "s-8vcpu-16gb"}, {20000, 4, "s-16vcpu-64gb"},
  };
  for (const auto& c : cases) {
    auto s = pick_size(digitalocean_sizes(), c.memory, c.cpu);
    BOOST_TEST_CONTEXT(c.memory << " MB " << c.cpu << " cpu") {
      BOOST_REQUIRE(s.has_value());
      BOOST_TEST(s->name == std::string(c.size));
    }
  }
}

BOOST_AUTO_TEST_CASE(ec2_table) {
  struct Case {
    int memory;
    double cpu;
    const char* type;
  };
  const Case cases[] = {
      {512, 1, "t3.nano"},     {1024, 2, "t3.micro"},     {1500, 1, "t3.small"},
      {8192, 2, "t3.large"},   {8192, 3, "t3.xlarge"},    {32768, 8, "t3.2xlarge"},
      {40000, 8, "m6i.4xlarge"}, {1024, 100, "m6i.32xlarge"},
  };
  for (const auto& c : cases) {
    auto s = pick_size(ec2_instance_types(), c.memory, c.cpu);
    BOOST_TEST_CONTEXT(c.memory << " MB " << c.cpu << " cpu") {
      BOOST_REQUIRE(s.has_value());
      BOOST_TEST(s->name == std::string(c.type));
    }
  }
}

BOOST_AUTO_TEST_CASE(invalid_and_too_big) {
  BOOST_TEST(pick_size(ec2_instance_types(), 0, 1).error().message == "server size must have positive memory and cpu");
  BOOST_TEST(!pick_size(ec2_instance_types(), 1 << 30, 1).has_value());
  BOOST_TEST(find_size(ec2_instance_types(), "t3.large")->memory_mb == 8192);
  BOOST_TEST(find_size(ec2_instance_types(), "x1.huge").error().message == "unknown size \"x1.huge\"");
}

BOOST_AUTO_TEST_SUITE_END()
