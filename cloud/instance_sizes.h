// The size tables: which provider size (DigitalOcean size slug, EC2 instance
// type) a ServerSpec's memory and cpu map to. Pure; the rule is "the smallest
// entry, in table order, with at least the memory and at least the cpus".
#pragma once

#include <span>
#include <string>

#include "core/error.h"

namespace quarry {

struct InstanceSize {
  const char* name;   // "s-1vcpu-1gb", "t3.small"
  int memory_mb;
  double cpu;
};

// DigitalOcean Basic droplets, smallest first.
std::span<const InstanceSize> digitalocean_sizes();
// EC2 general-purpose types (burstable t3, then m6i), smallest first.
std::span<const InstanceSize> ec2_instance_types();

// The first size in `table` with memory_mb >= memory and cpu >= cpu. Fails
// (kind User) when nothing is big enough, naming the largest size.
Result<InstanceSize> pick_size(std::span<const InstanceSize> table, int memory_mb, double cpu);

// The table entry named `name`, for a size set explicitly in the settings.
Result<InstanceSize> find_size(std::span<const InstanceSize> table, const std::string& name);

}  // namespace quarry
