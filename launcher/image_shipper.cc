#include "launcher/image_shipper.h"

#include "core/process_stream.h"
#include "core/text.h"
#include "launcher/docker_commands.h"

namespace quarry {

std::mutex& ImageShipper::lock_for(const std::string& key) {
  std::lock_guard lock(mu_);
  auto& m = locks_[key];
  if (!m) m = std::make_unique<std::mutex>();
  return *m;
}

// One round trip in the common case: the server is asked about the image id
// (content), never the tag alone, since tags are per release and an
// unchanged image gets a new tag on every push. When the id is there under
// other tags only, it is tagged on the server instead of shipped again.
Result<bool> ImageShipper::has_image(const Endpoint& server, const BuiltImage& image) {
  Command c;
  c.argv = {"docker", "image", "inspect", "--format", "{{json .RepoTags}}", image.id};
  c.timeout = std::chrono::seconds(30);
  auto r = servers_.run(server, c);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) return false;
  if (image.tag.empty() || image.tag == image.id) return true;
  if (r->out.find("\"" + image.tag + "\"") != std::string::npos) return true;
  Command tag;
  tag.argv = {"docker", "tag", image.id, image.tag};
  tag.timeout = std::chrono::seconds(30);
  auto tagged = run_ok(servers_, server, tag);
  if (!tagged) return std::unexpected(tagged.error().context("tag " + image.tag + " on " + server.name));
  return true;
}

Result<bool> ImageShipper::ensure(const Endpoint& server, const BuiltImage& image) {
  std::lock_guard lock(lock_for(server.name + " " + image.id));
  auto has = has_image(server, image);
  if (!has) return std::unexpected(has.error());
  if (*has) return false;
  auto save = ProcessStream::start({"docker", "save", image.tag}, engine_env_);
  if (!save) return std::unexpected(save.error());
  Command load;
  load.argv = docker_load();
  load.timeout = std::chrono::minutes(20);
  auto* stream = save->get();
  load.stdin_source = [stream](char* buf, std::size_t len) { return stream->read(buf, len); };
  auto r = run_ok(servers_, server, load);
  auto saved = (*save)->finish();
  if (!saved) return std::unexpected(saved.error().context("ship " + image.tag + " to " + server.name));
  if (!r) return std::unexpected(r.error().context("ship " + image.tag));
  auto after = has_image(server, image);
  if (!after) return std::unexpected(after.error());
  if (!*after) return fail_remote(server.name + ": image " + image.tag + " is not there after docker load");
  return true;
}

}  // namespace quarry
