// Baseline placement policies, for comparison in grid_bench only: they are
// what the built-in policies are measured against, not choices for a grid.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

#include "grid/placement_policy.h"

namespace quarry::bench {

// First fit: the lowest slot that holds the slice. A scan of the blocks.
class FirstFitPolicy final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "first-fit"; }
  void insert(BlockSlot slot, const Resources& free, const Tags& tags) override;
  void erase(BlockSlot slot, const Resources& free) override;
  void update(BlockSlot slot, const Resources& free) override;
  std::optional<BlockSlot> choose(const PlacementRequest& request) const override;
  std::unique_ptr<PlacementPolicy> fresh() const override { return std::make_unique<FirstFitPolicy>(); }

 private:
  struct Entry {
    bool present = false;
    Resources free;
    Tags tags;
  };
  std::vector<Entry> blocks_;
};

// Nomad's scheduler scoring (BestFit-v3): among a random sample of
// max(2, ceil(log2 n)) feasible blocks, the one with the highest
// 20 - (10^freeCpu + 10^freeMem), free fractions taken after placement.
// All blocks have `capacity` (the bench's blocks are uniform).
class NomadPolicy final : public PlacementPolicy {
 public:
  NomadPolicy(Resources capacity, std::uint32_t seed) : capacity_(capacity), rng_(seed), seed_(seed) {}
  std::string_view name() const override { return "nomad-bestfit-v3"; }
  void insert(BlockSlot slot, const Resources& free, const Tags& tags) override;
  void erase(BlockSlot slot, const Resources& free) override;
  void update(BlockSlot slot, const Resources& free) override;
  std::optional<BlockSlot> choose(const PlacementRequest& request) const override;
  std::unique_ptr<PlacementPolicy> fresh() const override {
    return std::make_unique<NomadPolicy>(capacity_, seed_);
  }

 private:
  struct Entry {
    bool present = false;
    Resources free;
    Tags tags;
  };
  double score(const Resources& free_after) const;

  Resources capacity_;
  std::vector<Entry> blocks_;
  std::size_t present_ = 0;
  mutable std::mt19937 rng_;
  std::uint32_t seed_;
};

}  // namespace quarry::bench
