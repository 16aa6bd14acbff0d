#include "launcher/image_relay.h"

#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <thread>

#include "launcher/docker_commands.h"

namespace quarry {

namespace {

// A bounded byte queue: one writer (the save's output), one reader (the
// load's input). The writer blocks while the buffer is full; a chunk larger
// than the whole buffer is accepted when the buffer is empty.
class BytePipe {
 public:
  void write(std::string_view chunk) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return aborted_ || size_ == 0 || size_ + chunk.size() <= kRelayBuffer; });
    if (aborted_) return;
    chunks_.emplace_back(chunk);
    size_ += chunk.size();
    cv_.notify_all();
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_.notify_all();
  }
  // The reader gave up: writes are dropped from now on.
  void abort() {
    std::lock_guard lock(mu_);
    aborted_ = true;
    cv_.notify_all();
  }
  long read(char* buf, std::size_t len) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return closed_ || !chunks_.empty(); });
    if (chunks_.empty()) return 0;
    auto& front = chunks_.front();
    std::size_t n = std::min(len, front.size() - offset_);
    std::memcpy(buf, front.data() + offset_, n);
    offset_ += n;
    if (offset_ == front.size()) {
      size_ -= front.size();
      chunks_.pop_front();
      offset_ = 0;
    }
    cv_.notify_all();
    return static_cast<long>(n);
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::string> chunks_;
  std::size_t size_ = 0, offset_ = 0;
  bool closed_ = false, aborted_ = false;
};

}  // namespace

Result<bool> server_has_image(RemoteShell& shell, const Endpoint& server, const std::string& id) {
  Command c;
  c.argv = {"docker", "image", "inspect", "--format", "{{.Id}}", id};
  c.timeout = std::chrono::seconds(30);
  auto r = shell.run(server, c);
  if (!r) return std::unexpected(r.error());
  return r->ok();
}

Status relay_image(RemoteShell& shell, const Endpoint& from, const Endpoint& to, const std::string& id) {
  BytePipe pipe;
  Command save;
  save.argv = {"docker", "save", id};
  save.timeout = std::chrono::minutes(20);
  std::string save_err;
  save.on_output = [&](bool is_stdout, std::string_view chunk) {
    if (is_stdout) pipe.write(chunk);
    else if (save_err.size() < 4096) save_err.append(chunk.substr(0, 4096 - save_err.size()));
  };
  Result<ProcessResult> saved = fail("not run");
  std::thread saver([&] {
    saved = shell.run(from, save);
    pipe.close();
  });
  Command load;
  load.argv = docker_load();
  load.timeout = std::chrono::minutes(20);
  load.stdin_source = [&](char* buf, std::size_t len) { return pipe.read(buf, len); };
  auto loaded = shell.run(to, load);
  pipe.abort();  // a load that stopped early must not leave the save blocked
  saver.join();
  auto what = "copy image " + id + " from " + from.name + " to " + to.name;
  if (!saved) return std::unexpected(saved.error().context(what));
  if (!saved->ok())
    return fail_remote(what + ": docker save exited " + std::to_string(saved->exit_code) + ": " +
                       (save_err.empty() ? saved->err : save_err));
  if (!loaded) return std::unexpected(loaded.error().context(what));
  if (!loaded->ok())
    return fail_remote(what + ": docker load exited " + std::to_string(loaded->exit_code) + ": " + loaded->err);
  return {};
}

}  // namespace quarry
