#include "control/leader_loop.h"

namespace quarry {

Result<bool> LeaderLoop::step() {
  std::int64_t now = clock_.now_ms();
  if (announced_ms_ < 0 || now - announced_ms_ >= settings_.interval_ms) {
    if (auto s = announce_member(store_, settings_.hq_id, settings_.address, now / 1000); !s)
      return std::unexpected(s.error());
    announced_ms_ = now;
  }
  auto won = leadership_.campaign(settings_.hq_id);
  if (!won) return std::unexpected(won.error());
  if (!*won) {
    if (fence_ != 0) say("HQ " + settings_.hq_id + " no longer leads; passes stop");
    fence_ = 0;
    auto current = leadership_.leader();
    std::string who = current && *current ? (*current)->hq_id + " (term " + std::to_string((*current)->term) + ")"
                                          : "nobody (a term is ending)";
    if (who != waiting_for_) say("waiting: HQ " + who + " leads");
    waiting_for_ = who;
    return false;
  }
  const LeaderTerm& term = **won;
  if (term.fence != fence_) {
    if (auto s = hooks_.on_term(term); !s) return std::unexpected(s.error());
    fence_ = term.fence;
    waiting_for_.clear();
    say("HQ " + settings_.hq_id + " leads (term " + std::to_string(term.term) + ")");
  }
  // The term may have lapsed since the campaign (a long pause): no pass
  // then; the fence would refuse its writes anyway.
  if (!leadership_.is_leader()) return false;
  hooks_.pass();
  return true;
}

Status LeaderLoop::serve(const std::atomic<bool>& stop, const std::function<void(std::int64_t)>& sleep) {
  while (!stop.load()) {
    std::int64_t start = clock_.now_ms();
    auto led = step();
    if (!led) say("leadership: " + led.error().message);
    std::int64_t wait = led && *led ? settings_.interval_ms : settings_.campaign_ms;
    std::int64_t spent = clock_.now_ms() - start;
    if (!stop.load() && spent < wait) sleep(wait - spent);
  }
  return leadership_.resign();
}

}  // namespace quarry
