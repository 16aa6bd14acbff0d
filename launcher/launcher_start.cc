// Starting a node's replicas: placement one slice at a time (never on a
// server the launch avoids), then the containers in parallel; a server that
// fails a start is avoided for the rest of the launch and the replica is
// tried elsewhere.
#include <optional>

#include "core/log.h"
#include "core/text.h"
#include "launcher/launcher.h"
#include "launcher/parallel.h"

namespace quarry {

void Launcher::avoid(const std::string& server, const std::string& why) {
  std::lock_guard lock(mu_);
  avoid_.insert(server);
  avoided_.emplace(server, why);
}

std::vector<std::string> Launcher::avoided() const {
  std::vector<std::string> out;
  for (const auto& s : options_.avoid_servers) out.push_back(s + " (not up)");
  for (const auto& [s, why] : avoided_) out.push_back(s + " (" + why + ")");
  return out;
}

Status Launcher::once(const std::string& key, const std::function<Status()>& work) {
  std::shared_ptr<std::mutex> key_mu;
  {
    std::lock_guard lock(once_mu_);
    if (once_done_.count(key)) return {};
    auto& slot = once_locks_[key];
    if (!slot) slot = std::make_shared<std::mutex>();
    key_mu = slot;
  }
  std::lock_guard key_lock(*key_mu);
  {
    std::lock_guard lock(once_mu_);
    if (once_done_.count(key)) return {};
  }
  auto s = work();
  if (s) {
    std::lock_guard lock(once_mu_);
    once_done_.insert(key);
  }
  return s;
}

Status Launcher::prepare_server(const ServerRecord& srv, const Endpoint& ep, const Instruction& in,
                                const BuiltImage& image) {
  const auto known = [](const std::map<std::string, std::set<std::string>>& on, const std::string& server,
                        const std::string& what) {
    auto it = on.find(server);
    return it != on.end() && it->second.count(what) > 0;
  };
  if (deps_.shipper && known(options_.images_on, srv.id, image.id)) {
    (void)once("image " + srv.id + " " + image.id + " " + image.tag, [&]() -> Status {
      std::lock_guard lock(once_mu_);
      deferred_tags_.emplace_back(ep, image);
      return {};
    });
  }
  if (options_.network.empty() && known(options_.networks_on, srv.id, stack_network(in.stack))) {
    (void)once("network " + srv.id + " " + stack_network(in.stack), [] { return Status{}; });
  }
  // The image and the network are independent: both at once.
  Status done[2];
  parallel_for(2, 2, [&](std::size_t k) {
    if (k == 0 && deps_.shipper) {
      done[0] = once("image " + srv.id + " " + image.id + " " + image.tag, [&]() -> Status {
        auto span = timed(deps_.timings, Phase::Ship, srv.id);
        auto shipped = deps_.shipper->ensure(ep, image);
        if (!shipped) return std::unexpected(shipped.error());
        if (*shipped) log_info("    shipped " + image.tag + " to " + srv.id);
        return {};
      });
    } else if (k == 1 && options_.network.empty()) {
      const std::string network = stack_network(in.stack);
      done[1] = once("network " + srv.id + " " + network, [&]() -> Status {
        auto span = timed(deps_.timings, Phase::Ship, srv.id);
        return ensure_network(*deps_.shell, ep, network, in.stack);
      });
    }
  });
  return done[0] ? done[1] : done[0];
}

std::vector<std::string> Launcher::tag_deferred() {
  std::vector<std::pair<Endpoint, BuiltImage>> todo;
  {
    std::lock_guard lock(once_mu_);
    todo.swap(deferred_tags_);
  }
  std::vector<std::string> problems(todo.size());
  parallel_for(todo.size(), options_.parallel, [&](std::size_t k) {
    auto tagged = deps_.shipper->ensure(todo[k].first, todo[k].second);
    if (!tagged) problems[k] = "tag " + todo[k].second.tag + " on " + todo[k].first.name + ": " + tagged.error().message;
  });
  std::erase_if(problems, [](const std::string& p) { return p.empty(); });
  return problems;
}

Launcher::Started Launcher::start_round(const Instruction& in, int release, const BuiltImage& image,
                                        const std::vector<int>& indices, int weight,
                                        std::vector<std::string>& errors) {
  struct Job {
    int index;
    std::string server;
  };
  std::vector<Job> jobs;
  // The grid is placed one slice at a time; the containers start in parallel.
  std::unique_lock place_lock(place_mu_);
  for (int i : indices) {
    std::set<std::string> avoid;
    {
      std::lock_guard lock(mu_);
      avoid = avoid_;
    }
    auto placed = deps_.placer->place_avoiding(slice_for(in, release, i), avoid);
    if (!placed) errors.push_back(placed.error().message);
    else jobs.push_back({i, *placed});
  }
  place_lock.unlock();
  std::vector<std::optional<ContainerRecord>> started(jobs.size());
  std::vector<std::string> job_errors(jobs.size());
  auto recs = records(in.stack);
  parallel_for(jobs.size(), options_.parallel, [&](std::size_t k) {
    const auto& job = jobs[k];
    auto fail_job = [&](const Error& e) {
      (void)deps_.placer->release(slice_for(in, release, job.index).id);
      job_errors[k] = e.message;
    };
    auto srv = server(job.server);
    if (!srv) return fail_job(srv.error());
    auto ep = endpoint_of(*srv);
    if (auto s = prepare_server(*srv, ep, in, image); !s) return fail_job(s.error());
    auto env = container_env(in, release, job.index);
    if (!env) return fail_job(env.error());
    StartRequest req{&in, job.index, release, *srv, ep, image, *env, weight};
    auto span = timed(deps_.timings, Phase::Start, srv->id);
    auto rec = start_container(*deps_.shell, req, options_, [this](const std::string& s) { return next_port(s); });
    span.end();
    if (!rec) return fail_job(rec.error());
    // What it was told of its services, for the control loop's refresh.
    for (const auto& link : in.links) {
      auto addr = env->find(link_env_prefix(link) + "_ADDR");
      if (addr != env->end()) rec->links[link] = addr->second;
    }
    if (recs) {
      if (auto s = (*recs)->add(*rec); !s) return fail_job(s.error());
    }
    started[k] = *rec;
  });
  Started out;
  for (std::size_t k = 0; k < jobs.size(); ++k) {
    if (started[k]) {
      out.records.push_back(*started[k]);
      continue;
    }
    // A server that cannot start a container takes no more in this launch;
    // the replica is tried on another one.
    avoid(jobs[k].server, split_lines(job_errors[k]).front());
    out.failed.push_back(jobs[k].index);
    out.failed_errors.push_back(jobs[k].server + ": " + job_errors[k]);
  }
  return out;
}

std::vector<ContainerRecord> Launcher::start_replicas(const Instruction& in, int release, const BuiltImage& image,
                                                      int from, int to, int weight, std::vector<std::string>& errors) {
  std::vector<int> todo;
  for (int i = from; i < to; ++i) todo.push_back(i);
  std::vector<ContainerRecord> out;
  constexpr int kTries = 3;
  for (int attempt = 1; attempt <= kTries && !todo.empty(); ++attempt) {
    auto round = start_round(in, release, image, todo, weight, errors);
    out.insert(out.end(), round.records.begin(), round.records.end());
    for (const auto& e : round.failed_errors) {
      if (attempt == kTries) errors.push_back(e);
      else log_warn(in.process.name + ": " + split_lines(e).front() + "; placing it elsewhere");
    }
    todo = round.failed;
  }
  return out;
}

}  // namespace quarry
