// Baseline placement policies, for comparison in grid_bench only: they are
// what the built-in policies are measured against, not choices for a grid.
#pragma once

#include <cstdint>
#include <memory>
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

// The floor of placement: the grid's own bookkeeping with no search at all.
// Wrapped around a policy, it records every choice (`recording`); a fresh
// one replays those choices in order, O(1) each, so the same slices land on
// the same blocks at the cost of everything but the search.
class ReplayPolicy final : public PlacementPolicy {
 public:
  using Choices = std::vector<std::optional<BlockSlot>>;
  // Records the choices of `inner` into `into`.
  ReplayPolicy(std::unique_ptr<PlacementPolicy> inner, std::shared_ptr<Choices> into)
      : inner_(std::move(inner)), choices_(std::move(into)) {}
  // Replays `recorded`.
  explicit ReplayPolicy(std::shared_ptr<Choices> recorded) : choices_(std::move(recorded)) {}

  std::string_view name() const override { return inner_ ? inner_->name() : "replay (floor)"; }
  void insert(BlockSlot slot, const Resources& free, const Tags& tags) override;
  void erase(BlockSlot slot, const Resources& free) override;
  void update(BlockSlot slot, const Resources& free) override;
  std::optional<BlockSlot> choose(const PlacementRequest& request) const override;
  std::unique_ptr<PlacementPolicy> fresh() const override {
    return std::make_unique<ReplayPolicy>(std::make_shared<Choices>());
  }

 private:
  std::unique_ptr<PlacementPolicy> inner_;  // set while recording
  std::shared_ptr<Choices> choices_;
  mutable std::size_t next_ = 0;
};

}  // namespace quarry::bench
