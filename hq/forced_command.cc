#include "hq/forced_command.h"

#include "core/text.h"

namespace quarry {

namespace {

const char* const kAllowed = "this account only serves `git push` and `git fetch` of quarry stacks";

// Undoes git's sq_quote: 'abc', with '\'' and '\!' for embedded quotes and
// bangs. nullopt when `s` is not one well-formed quoted word.
std::optional<std::string> unquote_word(std::string_view s) {
  if (s.empty() || s.front() != '\'') {
    for (char c : s) {
      if (c == ' ' || c == '\'' || c == '"' || c == '\\' || c == '\t' || c == '\n') return std::nullopt;
    }
    return std::string(s);
  }
  std::string out;
  std::size_t i = 0;
  while (i < s.size()) {
    if (s[i] != '\'') return std::nullopt;
    auto close = s.find('\'', i + 1);
    if (close == std::string_view::npos) return std::nullopt;
    out.append(s.substr(i + 1, close - i - 1));
    i = close + 1;
    if (i == s.size()) break;
    // Between quoted runs only an escaped ' or ! may appear.
    if (i + 1 < s.size() && s[i] == '\\' && (s[i + 1] == '\'' || s[i + 1] == '!')) {
      out.push_back(s[i + 1]);
      i += 2;
      if (i == s.size()) break;
      continue;
    }
    return std::nullopt;
  }
  return out;
}

}  // namespace

const char* service_program(GitService service) {
  return service == GitService::ReceivePack ? "git-receive-pack" : "git-upload-pack";
}

Result<GitRequest> parse_git_request(std::string_view original_command) {
  if (trim(original_command).empty()) {
    return fail(std::string("interactive logins are refused: ") + kAllowed);
  }
  auto space = original_command.find(' ');
  std::string_view verb = original_command.substr(0, space);
  GitRequest request;
  if (verb == "git-receive-pack") request.service = GitService::ReceivePack;
  else if (verb == "git-upload-pack") request.service = GitService::UploadPack;
  else return fail(std::string("command refused: ") + kAllowed);
  if (space == std::string_view::npos) return fail(std::string(verb) + ": a repository is required");
  auto word = unquote_word(original_command.substr(space + 1));
  if (!word) return fail(std::string(verb) + ": expected one repository argument");
  std::string name = *word;
  if (starts_with(name, "/")) name.erase(0, 1);
  if (name.size() > 4 && name.ends_with(".git")) name.resize(name.size() - 4);
  if (!is_dns_label(name)) {
    return fail("no such repository '" + *word + "': a repository is a stack name (lower-case letters, digits, '-')");
  }
  request.stack = name;
  return request;
}

}  // namespace quarry
