// Leadership among HQs: at most one HQ runs the control loop at a time.
//
// A term begins when campaign() wins. Its `fence` is the revision of the
// leadership key (kLeaderKey) written when it began; any later term rewrites
// that key, so its revision changes. Every write of the control loop goes
// through a FencedStore (store/fenced_store.h) or commit_fenced(), which
// compare that revision inside the same atomic commit: an old leader that was
// paused past its lease and then resumed cannot write once another leads,
// whatever its own clock believes.
//
// Backends: EtcdLeadership (a lease with a TTL, kept alive by a thread; a
// dead or paused holder loses it when the lease expires) and DirLeadership
// (flock on one machine: the kernel frees it when the holder dies; a paused
// holder keeps it). Build one with make_leadership() (store/store_url.h).
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/store.h"

namespace quarry {

inline constexpr std::string_view kLeaderKey = "hq/leader";    // JSON: {"hq","since","term"}
inline constexpr std::string_view kTermKey = "hq/term";        // the last term's number
inline constexpr std::string_view kMembersPrefix = "hq/members";  // hq/members/ID: JSON {"id","since","seen"}

struct LeaderTerm {
  std::string hq_id;
  std::int64_t fence = 0;  // revision of kLeaderKey when the term began
  std::int64_t term = 0;   // 1, 2, 3...: one more than the term before
  std::int64_t since = 0;  // unix seconds
};

class Leadership {
 public:
  virtual ~Leadership() = default;

  // Tries once (does not wait) to lead as `hq_id`. Returns the term when this
  // HQ leads (already or now), nullopt when another HQ leads. An error when
  // the store cannot be reached.
  virtual Result<std::optional<LeaderTerm>> campaign(std::string_view hq_id) = 0;

  // True while this HQ holds a term and its lease has not run out by this
  // HQ's own monotonic clock. No I/O. A false here means: stop acting now.
  // Fencing, not this, is what keeps a resumed old leader from writing.
  virtual bool is_leader() const = 0;

  // The current term while is_leader(), else nullopt.
  virtual std::optional<LeaderTerm> term() const = 0;

  // Gives the term up now (revokes the lease / drops the lock), so another
  // HQ can lead without waiting for expiry. No-op when not leading.
  virtual Status resign() = 0;

  // Who leads as the store sees it, nullopt when nobody does.
  virtual Result<std::optional<LeaderTerm>> leader() = 0;

  // How long a term outlives its holder's last renewal.
  virtual std::chrono::milliseconds ttl() const = 0;
};

// Commits `txn` only while `term` is still the current term (a compare of
// kLeaderKey's revision with term.fence is added). false: fenced out, or a
// compare of `txn` itself failed; nothing was written in either case.
Result<bool> commit_fenced(Store& store, const LeaderTerm& term, Txn txn);

// Records that HQ `hq_id` is alive (hq/members/ID: first seen, last seen,
// `address` for peers), for `quarry hq status`. Call it on start and on
// every pass of the loop.
Status announce_member(Store& store, std::string_view hq_id, std::string_view address, std::int64_t now);

// kLeaderKey's document, parsed; nullopt when absent. Corrupt: an error naming the key.
Result<std::optional<LeaderTerm>> read_leader_key(Store& store);
std::string leader_document(const LeaderTerm& term);
// The number in kTermKey's value; 0 when absent or not a number.
std::int64_t parse_term(std::string_view text);

}  // namespace quarry
