#include "router/router_apply.h"

#include <algorithm>
#include <cctype>
#include <thread>

#include "core/log.h"
#include "core/text.h"
#include "core/ustar.h"

namespace quarry {

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string nginx_message(const ProcessResult& r) {
  auto text = trim(r.err.empty() ? r.out : r.err);
  return text.empty() ? "exit " + std::to_string(r.exit_code) : text;
}

std::string status_line(const std::string& headers) {
  auto lines = split_lines(headers);
  return lines.empty() ? "no answer" : trim(lines[0]);
}

}  // namespace

bool has_header(const std::string& headers, const std::string& name, const std::string& value) {
  auto want = lower(name);
  for (const auto& line : split_lines(headers)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (lower(trim(line.substr(0, colon))) == want && trim(line.substr(colon + 1)) == value) return true;
  }
  return false;
}

Result<NginxRouter> NginxRouter::create(RemoteShell& shell, Endpoint host, Options options) {
  auto commands = NginxCommands::create(options.prefix, options.nginx);
  if (!commands) return fail(commands.error());
  if (!options.sleep) options.sleep = [](std::chrono::milliseconds d) { std::this_thread::sleep_for(d); };
  return NginxRouter(shell, std::move(host), std::move(options), std::move(*commands));
}

NginxRouter::NginxRouter(RemoteShell& shell, Endpoint host, Options options, NginxCommands commands)
    : shell_(&shell), host_(std::move(host)), options_(std::move(options)), commands_(std::move(commands)) {}

Result<ProcessResult> NginxRouter::run(const Argv& argv, std::string stdin_data) {
  Command cmd;
  cmd.argv = argv;
  cmd.stdin_data = std::move(stdin_data);
  cmd.timeout = std::chrono::seconds(60);
  return shell_->run(host_, cmd);
}

Result<ProcessResult> NginxRouter::run_checked(const Argv& argv, std::string stdin_data) {
  Command cmd;
  cmd.argv = argv;
  cmd.stdin_data = std::move(stdin_data);
  cmd.timeout = std::chrono::seconds(60);
  return run_ok(*shell_, host_, cmd);
}

Result<bool> NginxRouter::running() {
  auto r = run(commands_.is_running());
  if (!r) return fail(r.error());
  return r->ok();
}

Result<std::string> NginxRouter::prepare() {
  auto r = run_checked(commands_.prepare());
  if (!r) return fail(r.error());
  return trim(r->out);
}

Result<std::string> NginxRouter::live_generation() {
  auto r = run_checked(commands_.read_live());
  if (!r) return fail(r.error());
  return trim(r->out);
}

Status NginxRouter::stage(const RenderedConfig& rendered) {
  const auto& gen = rendered.generation;
  auto archive = ustar_archive(rendered.files);
  if (!archive) return fail(archive.error().context("router: packing generation " + gen));
  if (auto r = run_checked(commands_.stage(gen), std::move(*archive)); !r) return fail(r.error());
  auto t = run(commands_.test(gen));
  if (!t) return fail(t.error());
  if (t->ok()) return {};
  // The staged generation goes; `live` was never touched.
  (void)run(commands_.remove_generation(gen));
  return fail_remote(host_.name + ": nginx -t rejected generation " + gen + ": " + nginx_message(*t));
}

Result<std::vector<std::string>> NginxRouter::activate(const std::string& generation) {
  if (auto r = run_checked(commands_.switch_live(generation)); !r) return fail(r.error());
  auto state = run(commands_.is_running());
  if (!state) return fail(state.error());
  const bool up = state->ok();
  std::vector<std::string> workers;
  if (up) {
    for (const auto& line : split_lines(state->out)) {
      if (auto pid = trim(line); !pid.empty()) workers.push_back(pid);
    }
  }
  auto r = run(up ? commands_.reload() : commands_.start());
  if (!r) return fail(r.error());
  if (r->ok()) return workers;
  return fail_remote(host_.name + ": nginx " + (up ? "reload" : "start") + " failed: " + nginx_message(*r));
}

Status NginxRouter::verify(const RouterConfig& config, const std::string& generation) {
  auto address = config.listen_address.empty() ? std::string("127.0.0.1") : config.listen_address;
  for (const auto& route : config.routes) {
    auto want = route.stack + "/" + route.node;
    for (const auto& domain : route.domains) {
      std::string last;
      bool ok = false;
      auto wait = std::min(options_.verify_first_wait, options_.verify_interval);
      for (int i = 0; i < options_.verify_attempts && !ok; ++i) {
        if (i) {
          options_.sleep(wait);
          wait = std::min(wait * 2, options_.verify_interval);
        }
        auto r = run(commands_.probe(domain, address, config.listen_port));
        if (!r) return fail(r.error());
        ok = r->ok() && has_header(r->out, "X-Quarry-Route", want) &&
             has_header(r->out, "X-Quarry-Config", generation);
        last = r->ok() ? status_line(r->out) : nginx_message(*r);
      }
      if (!ok)
        return fail_remote(host_.name + ": " + domain + " is not served by generation " + generation +
                           " (last answer: " + last + ")");
    }
  }
  return {};
}

Status NginxRouter::roll_back(const std::string& previous, const Error& why) {
  if (previous.empty()) return fail(why);
  log_warn(host_.name + ": router: rolling back to generation " + previous);
  auto back = activate(previous);
  if (!back) return fail(why.context("rollback failed too (" + back.error().message + ")"));
  return fail(why.context("rolled back to generation " + previous));
}

Status NginxRouter::apply(const RouterConfig& config) {
  auto rendered = render_nginx(config);
  if (!rendered) return fail(rendered.error());
  const auto& gen = rendered->generation;
  auto previous = prepare();
  if (!previous) return fail(previous.error());
  if (*previous == gen) {
    auto up = running();
    if (!up) return fail(up.error());
    if (!*up) {
      if (auto s = activate(gen); !s) return fail(s.error());
    }
    return verify(config, gen);
  }
  if (auto s = stage(*rendered); !s) return s;
  auto before = activate(gen);
  if (!before) return roll_back(*previous, before.error());
  if (auto s = verify(config, gen); !s) return roll_back(*previous, s.error());
  if (auto r = run_checked(commands_.prune(gen, *previous, *before)); !r) log_warn(r.error().message);
  return {};
}

Status NginxRouter::ensure_running(const RouterConfig& base) {
  auto live = prepare();
  if (!live) return fail(live.error());
  if (live->empty()) return apply(base);
  auto up = running();
  if (!up) return fail(up.error());
  if (*up) return {};
  auto r = run(commands_.start());
  if (!r) return fail(r.error());
  if (!r->ok()) return fail_remote(host_.name + ": nginx start failed: " + nginx_message(*r));
  return {};
}

Status NginxRouter::stop() {
  if (auto r = run_checked(commands_.stop()); !r) return fail(r.error());
  return {};
}

Result<std::vector<std::string>> NginxRouter::plan(const RouterConfig& config) const {
  auto rendered = render_nginx(config);
  if (!rendered) return fail(rendered.error());
  const auto& gen = rendered->generation;
  std::vector<std::string> lines;
  auto add = [&](const Argv& argv) { lines.push_back(host_.name + ": " + shell_join(argv)); };
  add(commands_.prepare());
  add(commands_.stage(gen));
  add(commands_.test(gen));
  add(commands_.switch_live(gen));
  add(commands_.reload());
  auto address = config.listen_address.empty() ? std::string("127.0.0.1") : config.listen_address;
  for (const auto& route : config.routes)
    for (const auto& domain : route.domains) add(commands_.probe(domain, address, config.listen_port));
  for (const auto& [name, content] : rendered->files)
    lines.push_back("--- " + commands_.generation_dir(gen) + "/" + name + "\n" + content);
  return lines;
}

}  // namespace quarry
