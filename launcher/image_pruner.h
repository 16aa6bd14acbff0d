// Image retention: the images of a stack's last N releases stay on every
// server (and on the HQ engine), so that a rollback to one of them ships
// nothing; older quarry-built tags of the stack are removed. What may go is
// read from the stack's own release records, never from a repository name:
// a tag is removed only when one of the stack's releases recorded it, the
// engine still has it on the id that release recorded, no kept release of
// the stack names it and no release of another stack names it. Only tags
// quarry builds ("quarry/...:rN", image_tag in docker_commands.h) are
// touched, and never with force: docker refuses to remove the last tag of an
// image a container runs (a service started by an old release), which is
// reported as a problem and harms nothing.
//
// N comes from etc/releases.json: {"keep": 5} (default 5, at least 1).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "core/quote.h"
#include "launcher/remote_shell.h"
#include "store/records.h"

namespace quarry {

struct RetentionSettings {
  int keep = 5;  // releases whose images stay
};

// etc/releases.json, or the defaults when absent. A keep below 1 or a
// document that does not parse is an error naming the file.
Result<RetentionSettings> load_retention(Store& store);

// One image on an engine: "quarry/blog-web:r7" and its full id.
struct ImageRef {
  std::string tag;
  std::string id;
};

// `docker image ls --no-trunc` printing "REPOSITORY:TAG ID", one a line.
Argv docker_image_list();
// Reads what docker_image_list printed; lines that do not parse are skipped.
std::vector<ImageRef> parse_image_list(const std::string& out);
// `docker image rm TAG...` (untags; the layers go with the last tag).
Argv docker_image_rm(const std::vector<std::string>& tags);

// Pure: the tags among `present` to remove for `stack`, in the order
// given (see the rules above). `releases` are the stack's; kept are the tags
// of its newest `keep` releases that are not "failed" (their spec's images);
// `others` holds every tag the other stacks' releases record.
std::vector<std::string> images_to_prune(const std::string& stack, const std::vector<ReleaseRecord>& releases,
                                         const std::vector<ImageRef>& present, int keep,
                                         const std::set<std::string>& others = {});
// Every image tag the releases record.
std::set<std::string> recorded_tags(const std::vector<ReleaseRecord>& releases);

struct PruneReport {
  int removed = 0;                    // tags removed, all hosts together
  std::vector<std::string> problems;  // hosts that could not be listed or pruned
};

class ImagePruner {
 public:
  // `engine` reaches the HQ build engine (null: only the servers).
  ImagePruner(Store& store, RemoteShell& servers, RemoteShell* engine)
      : store_(store), servers_(servers), engine_(engine) {}

  // Prunes `stack`'s old images on every server in the store and on the
  // engine, in parallel. Fails only when the store cannot be read; a host
  // that fails is reported in the PruneReport and the others still go.
  Result<PruneReport> prune(const std::string& stack);

 private:
  Store& store_;
  RemoteShell& servers_;
  RemoteShell* engine_;
};

}  // namespace quarry
