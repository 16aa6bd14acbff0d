#include <boost/test/unit_test.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include "git_fixture.h"
#include "hq/git_repo.h"

using namespace quarry;
using namespace quarry::test;

namespace {

unsigned file_mode(const std::string& path) {
  struct stat st {};
  BOOST_REQUIRE(lstat(path.c_str(), &st) == 0);
  return st.st_mode;
}

std::string link_target(const std::string& path) {
  char buf[256];
  auto n = readlink(path.c_str(), buf, sizeof buf);
  BOOST_REQUIRE(n > 0);
  return std::string(buf, static_cast<std::size_t>(n));
}

// A bare repository at ROOT/bare.git holding the work repo's main.
std::string push_to_bare(const TempDir& t, const WorkRepo& work) {
  std::string bare = t.path + "/bare.git";
  if (!path_exists(bare)) git(t.path, {"init", "-q", "--bare", bare});
  git(work.dir, {"push", "-q", "-f", bare, "HEAD:refs/heads/main"});
  return bare;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(git_repo)

BOOST_AUTO_TEST_CASE(read_blob_at_commits) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/quarry.yml", "name: one\n");
  auto first = work.commit("one");
  write(work.dir + "/quarry.yml", "name: two\n");
  auto second = work.commit("two");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  auto a = repo->read_blob(first, "quarry.yml");
  BOOST_REQUIRE(a.has_value());
  BOOST_REQUIRE(a->has_value());
  BOOST_TEST(**a == "name: one\n");
  auto b = repo->read_blob(second, "quarry.yml");
  BOOST_REQUIRE(b.has_value() && b->has_value());
  BOOST_TEST(**b == "name: two\n");
  auto missing = repo->read_blob(second, "nope.yml");
  BOOST_REQUIRE(missing.has_value());
  BOOST_TEST(!missing->has_value());
}

BOOST_AUTO_TEST_CASE(read_blob_errors) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/dir/file", "x");
  auto c = work.commit("dir");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  auto dir = repo->read_blob(c, "dir");
  BOOST_REQUIRE(!dir.has_value());
  BOOST_TEST(dir.error().message.find("is not a file") != std::string::npos);
  auto unknown = repo->read_blob(std::string(40, 'a'), "quarry.yml");
  BOOST_REQUIRE(!unknown.has_value());
  BOOST_TEST(unknown.error().message.find("git: commit aaaa") == 0u);
  BOOST_TEST(!repo->read_blob("HEAD", "quarry.yml").has_value());
}

BOOST_AUTO_TEST_CASE(resolve_refs) {
  TempDir t;
  WorkRepo work(t.path);
  auto c = work.commit("first");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  auto main = repo->resolve("refs/heads/main");
  BOOST_REQUIRE(main.has_value() && main->has_value());
  BOOST_TEST(**main == c);
  auto none = repo->resolve("refs/heads/other");
  BOOST_REQUIRE(none.has_value());
  BOOST_TEST(!none->has_value());
}

BOOST_AUTO_TEST_CASE(export_keeps_files_modes_links_and_dirs) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/quarry.yml", "name: app\n");
  write(work.dir + "/bin/run", "#!/bin/sh\necho hi\n", 0755);
  write(work.dir + "/src/deep/a.txt", "deep\n", 0600);
  BOOST_REQUIRE(symlink("src/deep/a.txt", (work.dir + "/link").c_str()) == 0);
  auto c = work.commit("tree");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  std::string out = t.path + "/stacks/app/src";
  BOOST_REQUIRE(repo->export_tree(c, out).has_value());
  BOOST_TEST(*read_file(out + "/quarry.yml") == "name: app\n");
  BOOST_TEST((file_mode(out + "/quarry.yml") & 0777) == 0644u);
  BOOST_TEST((file_mode(out + "/bin/run") & 0777) == 0755u);
  BOOST_TEST((file_mode(out + "/src/deep/a.txt") & 0777) == 0644u);
  BOOST_TEST(*read_file(out + "/src/deep/a.txt") == "deep\n");
  BOOST_TEST(S_ISLNK(file_mode(out + "/link")));
  BOOST_TEST(link_target(out + "/link") == "src/deep/a.txt");
  BOOST_TEST(!path_exists(out + "/.git"));
  BOOST_TEST(!path_exists(out + ".new"));
}

BOOST_AUTO_TEST_CASE(export_replaces_the_previous_tree) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/old.txt", "old\n");
  auto first = work.commit("first");
  BOOST_REQUIRE(remove_all(work.dir + "/old.txt").has_value());
  write(work.dir + "/new.txt", "new\n");
  auto second = work.commit("second");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  std::string out = t.path + "/src";
  BOOST_REQUIRE(repo->export_tree(first, out).has_value());
  BOOST_TEST(path_exists(out + "/old.txt"));
  BOOST_REQUIRE(repo->export_tree(second, out).has_value());
  BOOST_TEST(!path_exists(out + "/old.txt"));
  BOOST_TEST(*read_file(out + "/new.txt") == "new\n");
  BOOST_TEST(!path_exists(out + ".new"));
}

// A file the previous export holds with the same bytes and mode is linked
// into the new tree, not inflated and written again; anything that differs
// (content, mode, a file changed on disk since) is written from git.
BOOST_AUTO_TEST_CASE(export_links_what_did_not_change_and_writes_the_rest) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/same.txt", "same\n");
  write(work.dir + "/edited.txt", "one\n");
  write(work.dir + "/mode.txt", "mode\n");
  write(work.dir + "/tampered.txt", "from git\n");
  write(work.dir + "/bin/run", "#!/bin/sh\n", 0755);
  auto first = work.commit("first");
  write(work.dir + "/edited.txt", "two\n");
  write(work.dir + "/mode.txt", "mode\n", 0755);
  auto second = work.commit("second");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  std::string out = t.path + "/src";
  BOOST_REQUIRE(repo->export_tree(first, out).has_value());
  auto inode = [&](const std::string& f) {
    struct stat st {};
    BOOST_REQUIRE(lstat((out + "/" + f).c_str(), &st) == 0);
    return st.st_ino;
  };
  auto same = inode("same.txt"), run = inode("bin/run"), edited = inode("edited.txt"), mode = inode("mode.txt");
  BOOST_REQUIRE(write_file_atomic(out + "/tampered.txt", "changed on disk\n", 0644).has_value());
  BOOST_REQUIRE(repo->export_tree(second, out).has_value());
  BOOST_TEST(inode("same.txt") == same);
  BOOST_TEST(inode("bin/run") == run);
  BOOST_TEST(inode("edited.txt") != edited);
  BOOST_TEST(*read_file(out + "/edited.txt") == "two\n");
  BOOST_TEST(inode("mode.txt") != mode);
  BOOST_TEST((file_mode(out + "/mode.txt") & 0777) == 0755u);
  BOOST_TEST(*read_file(out + "/tampered.txt") == "from git\n");
  BOOST_TEST(!path_exists(out + ".new"));
}

BOOST_AUTO_TEST_CASE(failed_export_leaves_the_previous_tree) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/keep.txt", "keep\n");
  auto c = work.commit("first");
  auto repo = GitRepo::open(push_to_bare(t, work));
  BOOST_REQUIRE(repo.has_value());
  std::string out = t.path + "/src";
  BOOST_REQUIRE(repo->export_tree(c, out).has_value());
  BOOST_TEST(!repo->export_tree(std::string(40, 'b'), out).has_value());
  BOOST_TEST(*read_file(out + "/keep.txt") == "keep\n");
}

// Objects of a push in progress live in git's quarantine directory; an
// extra object directory makes them readable.
BOOST_AUTO_TEST_CASE(extra_object_directories) {
  TempDir t;
  WorkRepo work(t.path);
  write(work.dir + "/quarry.yml", "name: q\n");
  auto c = work.commit("c");
  std::string empty = t.path + "/empty.git";
  git(t.path, {"init", "-q", "--bare", empty});
  auto plain = GitRepo::open(empty);
  BOOST_REQUIRE(plain.has_value());
  BOOST_TEST(!plain->read_blob(c, "quarry.yml").has_value());
  auto with = GitRepo::open(empty, {work.dir + "/.git/objects"});
  BOOST_REQUIRE(with.has_value());
  auto blob = with->read_blob(c, "quarry.yml");
  BOOST_REQUIRE(blob.has_value() && blob->has_value());
  BOOST_TEST(**blob == "name: q\n");
}

BOOST_AUTO_TEST_CASE(init_bare_is_idempotent) {
  TempDir t;
  std::string path = t.path + "/stacks/app/repo.git";
  auto first = GitRepo::init_bare(path, "main");
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(*read_file(path + "/HEAD") == "ref: refs/heads/main\n");
  BOOST_TEST(git(path, {"config", "--get", "receive.fsckObjects"}) == "true");
  BOOST_TEST(GitRepo::init_bare(path, "other").has_value());
  BOOST_TEST(*read_file(path + "/HEAD") == "ref: refs/heads/main\n");
  BOOST_TEST(!GitRepo::open(t.path + "/missing.git").has_value());
}

BOOST_AUTO_TEST_CASE(object_ids) {
  BOOST_TEST(is_object_id(std::string(40, 'a')));
  BOOST_TEST(is_object_id(kZeroId));
  BOOST_TEST(!is_object_id(std::string(39, 'a')));
  BOOST_TEST(!is_object_id(std::string(40, 'A')));
  BOOST_TEST(!is_object_id("HEAD"));
}

BOOST_AUTO_TEST_SUITE_END()
