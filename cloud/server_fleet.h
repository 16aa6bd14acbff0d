// Making and giving back cloud servers without ever losing one:
//   create   an entry "creating" with a fresh token is written before the
//            provider is asked; the provider's answer (or, after an unknown
//            outcome, its lookup by token) fills in the server; once it is
//            ready it is recorded and the entry dropped. A boot wait that
//            fails leaves the entry: the server may be healthy.
//   destroy  retried; when it still fails the server is recorded "leaked"
//            and reported, to be retried by every audit.
//   audit    (quarry servers gc, and each pass of the control loop) resolves
//            "creating" entries (adopt a ready server, drop an entry whose
//            server never existed, destroy one that did not boot in time),
//            retries "leaked" ones, and compares the provider's servers
//            carrying the cluster's tag with the records: unknown servers are
//            reported (and destroyed when asked), records whose server is
//            gone are marked so.
// Thread-safe when the provider and the ledger are.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "cloud/provider.h"
#include "cloud/server_ledger.h"
#include "cloud/waiting.h"

namespace quarry {

struct FleetOptions {
  int destroy_attempts = 3;                          // clean-up destroys before "leaked"
  std::chrono::milliseconds boot_timeout{600000};    // a "creating" server older than this is given back
  bool probe_ssh = true;                             // adopt a server only when its port 22 answers
  bool destroy_unknown = false;                      // the setting gc_destroy_unknown
};

struct AuditReport {
  std::vector<Server> adopted;       // creating entries whose server was ready: now recorded
  std::vector<std::string> dropped;  // creating entries whose server never existed (tokens)
  std::vector<Server> unknown;       // on the provider with the cluster's tag, recorded nowhere
  std::vector<Server> destroyed;     // unknown or leaked or never-booted servers given back
  std::vector<Server> gone;          // recorded, but no longer on the provider
  std::vector<std::string> problems; // what could not be done, for the operator
};

class ServerFleet {
 public:
  // `provider` and `ledger` must outlive the fleet.
  ServerFleet(Provider& provider, ServerLedger& ledger, FleetOptions options = {},
              WaitDeps deps = WaitDeps::real());

  // Makes a ready, recorded server (see above). spec.token is filled in when
  // empty.
  Result<Server> create(ServerSpec spec);
  // Gives a server back (retried); on failure records it "leaked" and says so.
  Status destroy(const Server& server);
  // One pass of leak finding. With `dry_run` nothing changes: the report
  // says what would. `destroy_unknown` also gives back unknown servers.
  Result<AuditReport> audit(bool dry_run, bool destroy_unknown);
  // What the control loop calls each pass: audit(false, the setting).
  Result<AuditReport> check_leaks() { return audit(false, options_.destroy_unknown); }
  const FleetOptions& options() const { return options_; }

 private:
  Status retry_destroy(const Server& server);
  void resolve_creating(const LedgerEntry& e, bool dry_run, AuditReport& report);
  std::int64_t now_s() const;
  bool answers(const Server& s) const;

  Provider& provider_;
  ServerLedger& ledger_;
  FleetOptions options_;
  WaitDeps deps_;
};

}  // namespace quarry
