// One whole deploy of a stack, as `quarry deploy`, a git push and `quarry
// rollback` run it:
//   1. take the stack's deploy lock (a second deploy waits, and says so)
//   2. reconcile the books with the servers (reconcile.h) and, at the same
//      time, build the images on the HQ engine (all at once)
//   3. compile the manifest against what runs now
//   4. launch (launcher.h), with a progress line per step and its time,
//      placing nothing on a server that is not up (LaunchOptions::
//      avoid_servers, from the control loop's health) or that the
//      reconcile step could not reach; a replica whose server fails to
//      start it goes elsewhere. A node short of its scale stops the launch
//      with its old release still serving at full scale.
//   5. record the release (stacks/APP/releases/N.json), failed or not, with
//      the hash and the keys (never the values) of the stack's env
//   6. with a PhaseTimings recorder (record_timings), one progress line per
//      phase (phase_timings.h) after the launch, failed or not
//   7. after a successful launch, prune the stack's images older than the
//      last N releases (image_pruner.h); a failed prune is only a warning
#pragma once

#include <optional>
#include <string>

#include "compiler/instruction.h"
#include "compiler/stack.h"
#include "launcher/image_builder.h"
#include "launcher/launcher.h"
#include "launcher/phase_timings.h"

namespace quarry {

struct DeployerDeps {
  Store* store = nullptr;
  RemoteShell* shell = nullptr;       // reaches the servers
  Placer* placer = nullptr;
  ImageBuilder* builder = nullptr;    // the HQ engine
  ImageShipper* shipper = nullptr;    // null: the servers share the build engine
  RouterHook* router = nullptr;
  Prober* prober = nullptr;           // null: health probes come from the HQ
  RemoteShell* engine = nullptr;      // the HQ engine, for image retention; null: servers only
  PhaseTimings* timings = nullptr;    // null: phases are not timed
};

struct DeployRequest {
  Stack stack;
  std::string source_dir;   // build paths are relative to it
  std::string commit;       // empty when not from git
  std::string by;           // who asked
  int canary_percent = 0;   // 1..99: run beside the current release with this share
};

struct DeployResult {
  int release = 0;
  std::vector<std::string> problems;
  std::vector<std::string> avoided;  // servers nothing was placed on, and why
};

// What the store says runs now, in the compiler's terms, and the compiled
// instructions against it.
Result<InstructionList> compile_for_store(Store& store, const Stack& stack);

class Deployer {
 public:
  Deployer(DeployerDeps deps, LaunchOptions options) : deps_(deps), options_(std::move(options)) {}

  Result<DeployResult> deploy(const DeployRequest& request);
  // Times the phases of the deploys that follow on `timings` (null: none).
  void record_timings(PhaseTimings* timings) { deps_.timings = timings; }
  // Redeploys release `number` (default: the one before the current) as a
  // new release, through the same zero-downtime path.
  Result<DeployResult> rollback(const std::string& stack, std::optional<int> number, const std::string& by);
  // Ends a canary: all traffic to the newest release, or back to the others.
  Status promote(const std::string& stack, const std::string& by);
  Status abort_canary(const std::string& stack, const std::string& by);
  // Sets the replica count of a node of the current release (until the next
  // deploy, which brings the manifest's scale back).
  Status scale(const std::string& stack, const std::string& node, int count, const std::string& by);
  // The newest release that is live (deployed or canary).
  static Result<ReleaseRecord> current_release(Store& store, const std::string& stack);

 private:
  Result<StoreLock> lock_stack(const std::string& stack, const std::string& holder);
  Status reconcile_stack(const std::string& stack);
  Result<std::map<std::string, BuiltImage>> build_images(const DeployRequest& request, int release);
  LaunchDeps launch_deps() const;
  Result<DeployResult> launch(const std::string& stack, const InstructionList& list,
                              const std::map<std::string, BuiltImage>& images, const ReleaseRecord& base,
                              int canary);
  Result<int> next_release(const std::string& stack);
  void prune_images(const std::string& stack);

  DeployerDeps deps_;
  LaunchOptions options_;
};

}  // namespace quarry
