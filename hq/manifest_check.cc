#include "hq/manifest_check.h"

#include "compiler/manifest_parser.h"
#include "core/text.h"
#include "hq/receive.h"

namespace quarry {

namespace {

// "LINE:COL" of the value of the top-level `name:` key, "1:1" if not found.
std::string name_position(const std::string& text) {
  auto lines = split_lines(text);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (!starts_with(lines[i], "name:")) continue;
    std::size_t col = 5;
    while (col < lines[i].size() && (lines[i][col] == ' ' || lines[i][col] == '\t')) ++col;
    return std::to_string(i + 1) + ":" + std::to_string(col + 1);
  }
  return "1:1";
}

}  // namespace

Status validate_pushed_manifest(const std::string& manifest_text, const std::string& stack,
                                const std::map<std::string, std::string>& global_env) {
  ManifestOptions options;
  options.path = kManifestFile;
  options.default_name = stack;
  options.global_env = global_env;
  auto parsed = parse_manifest(manifest_text, options);
  if (!parsed) return std::unexpected(parsed.error());
  if (parsed->name != stack) {
    return fail(std::string(kManifestFile) + ":" + name_position(manifest_text) + ": name: '" + parsed->name +
                "' does not match the repository '" + stack + "' this was pushed to (push to " + parsed->name +
                ", or change name: to " + stack + ")");
  }
  return {};
}

}  // namespace quarry
