#include "control/stack_state.h"

#include "compiler/instruction_json.h"

namespace quarry {

const Instruction* DesiredRelease::find(const std::string& process) const {
  for (const auto& in : instructions.instructions) {
    if ((in.op == Op::Deploy || in.op == Op::Ensure) && in.target == process) return &in;
  }
  return nullptr;
}

DesiredRelease desired_from(const ReleaseRecord& release, const InstructionList& list) {
  DesiredRelease d;
  d.number = release.number;
  d.status = release.status;
  d.instructions = list;
  for (const auto& in : list.instructions) {
    if (in.op == Op::Deploy && !d.scale.count(in.target)) d.scale[in.target] = in.process.scale;
    if (in.op == Op::Scale) d.scale[in.target] = in.scale;
  }
  if (release.spec.contains("images")) {
    for (const auto& [p, img] : release.spec["images"].items()) {
      d.images[p] = BuiltImage{p, img.value("tag", ""), img.value("id", "")};
    }
  }
  if (release.spec.contains("scale")) {
    for (const auto& [node, n] : release.spec["scale"].items()) d.scale[node] = n.get<int>();
  }
  return d;
}

Result<std::vector<DesiredRelease>> desired_releases(const std::vector<ReleaseRecord>& releases) {
  std::vector<DesiredRelease> out;
  for (auto it = releases.rbegin(); it != releases.rend(); ++it) {
    if (it->status != "deployed" && it->status != "canary") continue;
    if (!it->spec.contains("instructions")) {
      return fail("release " + std::to_string(it->number) + " of " + it->stack + " has no instructions");
    }
    auto list = instructions_from_json(it->spec["instructions"].dump());
    if (!list) return std::unexpected(list.error().context("release " + std::to_string(it->number)));
    out.push_back(desired_from(*it, *list));
    // A canary runs beside the newest deployed release; anything else is alone.
    if (it->status != "canary") break;
  }
  return out;
}

Result<StackState> read_stack_state(Store& store, const std::string& stack,
                                    const std::map<std::string, std::vector<ObservedContainer>>& observed,
                                    const std::map<std::string, ServerHealth>& health, std::int64_t now_ms) {
  StackState st;
  st.stack = stack;
  st.now_ms = now_ms;
  auto releases = load_releases(store, stack);
  if (!releases) return std::unexpected(releases.error());
  auto desired = desired_releases(*releases);
  if (!desired) return std::unexpected(desired.error());
  st.desired = std::move(*desired);
  auto books = load_containers(store, stack);
  if (!books) return std::unexpected(books.error());
  st.books = std::move(*books);
  auto restarts = load_restarts(store, stack);
  if (!restarts) return std::unexpected(restarts.error());
  st.restarts = std::move(*restarts);
  st.health = health;
  auto servers = load_servers(store);
  if (!servers) return std::unexpected(servers.error());
  for (const auto& s : *servers) st.addresses[s.id] = s.ip;
  for (const auto& [server, list] : observed) {
    auto& mine = st.observed[server];
    for (const auto& c : list) {
      if (c.stack == stack) mine.push_back(c);
    }
  }
  return st;
}

Result<StackState> read_stack_state(Store& store, const std::string& stack, const PassSnapshot& pass,
                                    std::map<std::string, std::vector<ObservedContainer>> mine) {
  StackState st;
  st.stack = stack;
  st.now_ms = pass.now_ms;
  Result<std::vector<DesiredRelease>> desired;
  if (pass.desired) {
    desired = pass.desired->get(store, stack);
  } else if (auto releases = load_releases(store, stack)) {
    desired = desired_releases(*releases);
  } else {
    desired = std::unexpected(releases.error());
  }
  if (!desired) return std::unexpected(desired.error());
  st.desired = std::move(*desired);
  auto books = pass.books ? pass.books->take(store, stack) : load_containers(store, stack);
  if (!books) return std::unexpected(books.error());
  st.books = std::move(*books);
  auto restarts = load_restarts(store, stack);
  if (!restarts) return std::unexpected(restarts.error());
  st.restarts = std::move(*restarts);
  st.observed = std::move(mine);
  st.answered = pass.answered;
  for (const auto& [id, h] : *pass.health) {
    if (h.state != Health::Up) st.health.emplace(id, h);
  }
  for (const auto& r : st.books) {
    if (!r.service) continue;
    if (auto it = pass.addresses->find(r.server); it != pass.addresses->end()) st.addresses.emplace(*it);
  }
  return st;
}

Result<std::vector<ContainerRecord>> BooksCache::take(Store& store, const std::string& stack) {
  auto& e = entries_[stack];
  const std::string key = "stacks/" + stack + "/containers.json";
  auto revision = store.revision(key);
  if (!revision) {
    e.held = false;
    return std::unexpected(revision.error());
  }
  if (e.held && *revision == e.revision) {
    e.held = false;
    return std::move(e.books);
  }
  e.held = false;
  e.books.clear();
  auto text = store.get_versioned(key);
  if (!text) return std::unexpected(text.error());
  e.revision = text->revision;
  // As load_containers reads them.
  std::vector<ContainerRecord> out;
  if (!text->value) return out;
  auto doc = nlohmann::json::parse(*text->value, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    return fail(store.locate(key) + ": corrupt JSON: the file does not parse; restore it or remove it");
  }
  if (!doc.is_array()) return fail(store.locate(key) + ": expected a JSON array");
  out.reserve(doc.size());
  for (const auto& item : doc) {
    auto r = container_from_json(item);
    if (!r) return std::unexpected(r.error().context(store.locate(key)));
    out.push_back(std::move(*r));
  }
  return out;
}

void BooksCache::give_back(const std::string& stack, std::vector<ContainerRecord> books) {
  auto it = entries_.find(stack);
  if (it == entries_.end() || it->second.held) return;
  it->second.books = std::move(books);
  it->second.held = true;
}

Result<std::vector<DesiredRelease>> DesiredCache::get(Store& store, const std::string& stack) {
  const std::string dir = "stacks/" + stack + "/releases";
  auto names = store.list(dir);
  if (!names) return std::unexpected(names.error());
  // The revisions are read before the releases: a release written in
  // between is read again next time.
  std::vector<std::pair<std::string, std::int64_t>> files;
  for (const auto& name : *names) {
    if (!name.ends_with(".json")) continue;  // as load_releases reads them
    auto revision = store.revision(dir + "/" + name);
    if (!revision) return std::unexpected(revision.error());
    files.emplace_back(name, *revision);
  }
  auto it = entries_.find(stack);
  if (it != entries_.end() && it->second.files == files) return it->second.desired;
  if (it != entries_.end()) entries_.erase(it);
  auto releases = load_releases(store, stack);
  if (!releases) return std::unexpected(releases.error());
  auto desired = desired_releases(*releases);
  if (!desired) return std::unexpected(desired.error());
  entries_[stack] = Entry{std::move(files), *desired};
  return desired;
}

std::map<std::string, std::vector<ObservedContainer>> observed_by_server(const ObservedRefs& refs) {
  std::map<std::string, std::vector<ObservedContainer>> out;
  for (const auto* c : refs) {
    // Grouped by server already: a server's list is the last one made.
    if (out.empty() || out.rbegin()->first != c->server) {
      out.emplace_hint(out.end(), c->server, std::vector<ObservedContainer>{});
    }
    out.rbegin()->second.push_back(*c);
  }
  return out;
}

Status read_slices(Placer& placer, StackState& state) {
  auto ids = placer.slices(state.stack + "/");
  if (!ids) return std::unexpected(ids.error().context("the grid's slices of " + state.stack));
  state.slices = std::move(*ids);
  return {};
}

}  // namespace quarry
