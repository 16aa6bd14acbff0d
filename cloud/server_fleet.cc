#include "cloud/server_fleet.h"

#include <map>
#include <set>

#include "cloud/server_names.h"

namespace quarry {

namespace {

// The base64 blob of an OpenSSH public key line ("ssh-ed25519 AAAA... c").
std::string key_blob_of(const std::string& line) {
  auto sp = line.find(' ');
  if (sp == std::string::npos) return "";
  auto rest = line.substr(sp + 1);
  return rest.substr(0, rest.find(' '));
}

bool looks_up(const Server& s) {
  return !s.ip.empty() && (s.status == "active" || s.status == "running" || s.provider == "local");
}

}  // namespace

ServerFleet::ServerFleet(Provider& provider, ServerLedger& ledger, FleetOptions options, WaitDeps deps)
    : provider_(provider), ledger_(ledger), options_(options), deps_(std::move(deps)) {}

std::int64_t ServerFleet::now_s() const {
  return std::chrono::duration_cast<std::chrono::seconds>(deps_.now().time_since_epoch()).count();
}

bool ServerFleet::answers(const Server& s) const {
  return !options_.probe_ssh || deps_.tcp_accepts(s.ip, s.ssh_port, std::chrono::seconds(3));
}

Result<Server> ServerFleet::create(ServerSpec spec) {
  if (spec.token.empty()) spec.token = new_create_token();
  LedgerEntry e{spec.token, "creating", {}, now_s(), ""};
  e.server.name = spec.name;
  e.server.provider = provider_.name();
  e.server.tags = spec.tags;
  e.server.host_key = key_blob_of(spec.host_key_public);
  if (auto s = ledger_.put(e); !s) return std::unexpected(s.error().context("record the create before it starts"));

  auto launched = provider_.launch(spec);
  if (!launched) {
    // Did the provider make it after all? Only a definite "no" drops the entry.
    auto found = provider_.find_launched(spec.token);
    if (!found) {
      e.note = launched.error().message;
      (void)ledger_.put(e);
      return std::unexpected(launched.error().context("server " + spec.name +
                                                      " may exist: recorded as creating until quarry servers gc finds out"));
    }
    if (!*found) {
      (void)ledger_.drop(spec.token);
      return std::unexpected(launched.error());
    }
    launched = **found;
  }
  e.server = *launched;
  e.server.host_key = key_blob_of(spec.host_key_public);
  if (e.server.tags.empty()) e.server.tags = spec.tags;
  if (auto s = ledger_.put(e); !s) return std::unexpected(s.error());

  auto ready = provider_.wait_ready(e.server);
  if (!ready) {
    // It exists and may be healthy: keep the entry for the next audit,
    // which adopts it once it answers or gives it back after boot_timeout.
    e.note = ready.error().message;
    (void)ledger_.put(e);
    return std::unexpected(ready.error().context("server " + e.server.id + " is recorded as creating"));
  }
  Server s = *ready;
  if (!e.server.host_key.empty()) s.host_key = e.server.host_key;
  if (s.tags.empty()) s.tags = spec.tags;
  if (auto st = ledger_.record_ready(s); !st) return std::unexpected(st.error());
  (void)ledger_.drop(spec.token);
  return s;
}

Status ServerFleet::retry_destroy(const Server& server) {
  Status last;
  for (int i = 0; i < options_.destroy_attempts; ++i) {
    last = provider_.destroy(server);
    if (last) return last;
    if (i + 1 < options_.destroy_attempts) deps_.sleep(std::chrono::seconds(1 << i));
  }
  return last;
}

Status ServerFleet::destroy(const Server& server) {
  auto s = retry_destroy(server);
  if (s) return ledger_.forget(server);
  // The leaked entry replaces the record: nothing places work on it, and
  // every audit tries the destroy again.
  LedgerEntry e{server.id, "leaked", server, now_s(), s.error().message};
  if (auto st = ledger_.put(e); !st) return std::unexpected(st.error().context(s.error().message));
  (void)ledger_.forget(server);
  return std::unexpected(s.error().context("server " + server.id + " (" + server.provider_ref +
                                           ") is still billed: recorded as leaked, quarry servers gc retries it"));
}

void ServerFleet::resolve_creating(const LedgerEntry& e, bool dry_run, AuditReport& report) {
  auto found = provider_.find_launched(e.token);
  if (!found) {
    report.problems.push_back("create " + e.token + ": " + found.error().message);
    return;
  }
  if (!*found) {
    if (!dry_run) (void)ledger_.drop(e.token);
    report.dropped.push_back(e.token);
    return;
  }
  Server s = **found;
  if (!e.server.host_key.empty()) s.host_key = e.server.host_key;
  if (s.tags.empty()) s.tags = e.server.tags;
  if (looks_up(s) && answers(s)) {
    if (!dry_run) {
      if (auto st = ledger_.record_ready(s); !st) return report.problems.push_back(st.error().message);
      (void)ledger_.drop(e.token);
    }
    report.adopted.push_back(s);
    return;
  }
  auto age = std::chrono::seconds(now_s() - e.since);
  if (age < options_.boot_timeout) return;  // still booting: the next pass looks again
  if (!dry_run) {
    if (auto st = retry_destroy(s); !st) return report.problems.push_back(st.error().message);
    (void)ledger_.drop(e.token);
  }
  report.destroyed.push_back(s);
}

Result<AuditReport> ServerFleet::audit(bool dry_run, bool destroy_unknown) {
  AuditReport report;
  auto entries = ledger_.entries();
  if (!entries) return std::unexpected(entries.error());
  std::set<std::string> pending_refs;
  for (const auto& e : *entries) {
    if (e.state == "creating") {
      resolve_creating(e, dry_run, report);
      if (!e.server.provider_ref.empty()) pending_refs.insert(e.server.provider_ref);
    } else if (e.state == "leaked") {
      pending_refs.insert(e.server.provider_ref);
      if (dry_run) continue;
      if (auto s = provider_.destroy(e.server); !s) {
        report.problems.push_back("leaked server " + e.server.id + ": " + s.error().message);
        continue;
      }
      (void)ledger_.forget(e.server);
      (void)ledger_.drop(e.token);
      report.destroyed.push_back(e.server);
    }
  }
  // Compare after resolving, so what was just adopted counts as recorded.
  auto recorded = ledger_.ready();
  if (!recorded) return std::unexpected(recorded.error());
  auto listed = provider_.list();
  if (!listed) return std::unexpected(listed.error());
  std::set<std::string> on_provider, known = pending_refs;
  for (const auto& s : *listed) on_provider.insert(s.provider_ref);
  for (const auto& r : *recorded) known.insert(r.provider_ref);
  for (const auto& a : report.adopted) known.insert(a.provider_ref);
  for (const auto& s : *listed) {
    if (known.count(s.provider_ref)) continue;
    report.unknown.push_back(s);
    if (dry_run || !destroy_unknown) continue;
    if (auto st = retry_destroy(s); !st) report.problems.push_back("unknown server " + s.id + ": " + st.error().message);
    else report.destroyed.push_back(s);
  }
  for (const auto& r : *recorded) {
    if (r.provider != provider_.name() || on_provider.count(r.provider_ref)) continue;
    report.gone.push_back(r);
    if (!dry_run) (void)ledger_.mark_gone(r);
  }
  return report;
}

}  // namespace quarry
