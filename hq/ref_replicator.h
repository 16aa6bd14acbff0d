// The seam between a push and the other HQs: the receive hook of the HQ
// that accepts a push hands the deploy branch's new commit to a
// RefReplicator, so that every peer HQ (hq_peers.h) holds it before the push
// reports success. cli/ provides the real one (GitRefReplicator: git over
// SSH to each peer's mirror command); unit tests use a fake that records.
#pragma once

#include <string>

#include "core/error.h"

namespace quarry {

class RefReplicator {
 public:
  virtual ~RefReplicator() = default;
  // Before the deploy: every peer is reachable and its `ref` ("refs/heads/
  // main") is absent or an ancestor of `commit`, so the push after the
  // deploy is a fast-forward. An error names the peer and what to do; it
  // rejects the push before anything changed.
  virtual Status check(const std::string& stack, const std::string& ref, const std::string& commit) = 0;
  // After the deploy: sets `ref` to `commit` on every peer (objects
  // included). An error names the peer that did not take it.
  virtual Status push(const std::string& stack, const std::string& ref, const std::string& commit) = 0;
};

}  // namespace quarry
