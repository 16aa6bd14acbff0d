#include "cloud/instance_sizes.h"

#include <array>

namespace quarry {

namespace {

constexpr std::array<InstanceSize, 7> kDigitalOcean{{
    {"s-1vcpu-1gb", 1024, 1},
    {"s-1vcpu-2gb", 2048, 1},
    {"s-2vcpu-2gb", 2048, 2},
    {"s-2vcpu-4gb", 4096, 2},
    {"s-4vcpu-8gb", 8192, 4},
    {"s-8vcpu-16gb", 16384, 8},
    {"s-16vcpu-64gb", 65536, 16},
}};

constexpr std::array<InstanceSize, 11> kEc2{{
    {"t3.nano", 512, 2},
    {"t3.micro", 1024, 2},
    {"t3.small", 2048, 2},
    {"t3.medium", 4096, 2},
    {"t3.large", 8192, 2},
    {"t3.xlarge", 16384, 4},
    {"t3.2xlarge", 32768, 8},
    {"m6i.4xlarge", 65536, 16},
    {"m6i.8xlarge", 131072, 32},
    {"m6i.16xlarge", 262144, 64},
    {"m6i.32xlarge", 524288, 128},
}};

std::string describe(const InstanceSize& s) {
  char cpu[32];
  std::snprintf(cpu, sizeof cpu, "%g", s.cpu);
  return std::string(s.name) + " (" + std::to_string(s.memory_mb) + " MB, " + cpu + " cpu)";
}

}  // namespace

std::span<const InstanceSize> digitalocean_sizes() { return kDigitalOcean; }
std::span<const InstanceSize> ec2_instance_types() { return kEc2; }

Result<InstanceSize> pick_size(std::span<const InstanceSize> table, int memory_mb, double cpu) {
  if (memory_mb <= 0 || cpu <= 0) return fail("server size must have positive memory and cpu");
  for (const auto& s : table)
    if (s.memory_mb >= memory_mb && s.cpu >= cpu) return s;
  char want[32];
  std::snprintf(want, sizeof want, "%g", cpu);
  return fail("no size has " + std::to_string(memory_mb) + " MB and " + want +
              " cpu; the largest is " + (table.empty() ? std::string("none") : describe(table.back())));
}

Result<InstanceSize> find_size(std::span<const InstanceSize> table, const std::string& name) {
  for (const auto& s : table)
    if (name == s.name) return s;
  return fail("unknown size \"" + name + "\"");
}

}  // namespace quarry
