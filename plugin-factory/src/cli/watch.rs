//! `run --watch` (Unix): notices when the configuration file changes and says so, once per
//! burst of changes, to whoever asked; `run` then reloads it as it does on SIGHUP.
//!
//! The file's *directory* is watched, not the file: editors and configuration tools replace a
//! file by renaming another over it (vim, `mv tmp host.toml`, a Kubernetes ConfigMap's
//! `..data` link), and a watch on the file itself would follow the old one away. Events are
//! kept when they name the file (or, for a symbolic link into the same directory, the entry it
//! leads through), so that a removed file is noticed, and so is its return.

use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};
use std::time::Duration;

use notify_debouncer_full::notify::event::{AccessKind, AccessMode, ModifyKind, RenameMode};
use notify_debouncer_full::notify::{self, Event, EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};

use crate::tree::Shown;

/// How long a change is held before it is reported, so that the several writes of one save (an
/// editor's truncate, writes and rename, a tool's temporary file) come to one reload; short
/// enough that whoever saved does not wait for it.
pub(super) const SETTLE: Duration = Duration::from_millis(250);

/// A watch on a configuration file, until [`stop`](Self::stop)ped.
pub(super) struct Watch {
    debouncer: Debouncer<RecommendedWatcher, RecommendedCache>,
}

impl Watch {
    /// Watches `file`'s directory and calls `changed` once for each burst of changes that
    /// concern `file`. What goes wrong later (an error of the watcher, the directory gone) is
    /// printed on stderr, naming the file; the process goes on. A watch that cannot be set up
    /// is the cause, for a message that names the file.
    pub(super) fn start(
        file: &Path,
        mut changed: impl FnMut() + Send + 'static,
    ) -> Result<Self, String> {
        let (directory, name) = split(file).ok_or("the path names no file")?;
        let shown = Shown(&file.to_string_lossy()).to_string();
        let (watched, gone) = (file.to_path_buf(), directory.clone());
        let mut said_gone = false;
        let mut debouncer = new_debouncer(SETTLE, None, move |result: DebounceEventResult| {
            match result {
                Ok(events) => {
                    // Found again each time: a link may have been put in the file's place.
                    let names = names(&watched, &name);
                    if events.iter().any(|event| concerns(event, &names)) {
                        changed();
                    }
                    if !said_gone && events.iter().any(|event| removes(event, &gone)) {
                        said_gone = true;
                        eprintln!(
                            "error: watching {shown} for changes: its directory was removed or \
                             moved, changes are no longer seen (SIGHUP still reloads)"
                        );
                    }
                }
                Err(errors) => {
                    for error in errors {
                        eprintln!("error: watching {shown} for changes: {}", cause(error));
                    }
                }
            }
        })
        .map_err(cause)?;
        if let Err(error) = debouncer.watch(&directory, RecursiveMode::NonRecursive) {
            debouncer.stop();
            let directory = Shown(&directory.to_string_lossy()).to_string();
            return Err(format!("{directory}: {}", cause(error)));
        }
        Ok(Self { debouncer })
    }

    /// Stops watching, and waits for the watch's thread to end (at most a fraction of
    /// [`SETTLE`]), so that nothing of it outlives `run`.
    pub(super) fn stop(self) {
        self.debouncer.stop();
    }
}

/// What went wrong, without the paths `notify` appends (the messages name the file already).
fn cause(mut error: notify::Error) -> String {
    error.paths.clear();
    match error.kind {
        notify::ErrorKind::MaxFilesWatch => {
            "the system's limit of file watches is reached (fs.inotify.max_user_watches on Linux)"
                .to_owned()
        }
        notify::ErrorKind::PathNotFound => "not found".to_owned(),
        _ => error.to_string(),
    }
}

/// The directory to watch for `file` (`.` for a bare file name) and the file's name in it.
fn split(file: &Path) -> Option<(PathBuf, OsString)> {
    let name = file.file_name()?.to_owned();
    let directory = match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => Path::new(".").to_path_buf(),
    };
    Some((directory, name))
}

/// The names in the watched directory whose changes change what `file` reads: its own, and,
/// when it is a symbolic link with a relative target, the first entry of that target, which a
/// tool may replace instead of the file (a ConfigMap's `host.toml -> ..data/host.toml`, whose
/// `..data` is swapped).
fn names(file: &Path, name: &OsStr) -> Vec<OsString> {
    let mut names = vec![name.to_owned()];
    if let Ok(target) = std::fs::read_link(file)
        && let Some(Component::Normal(first)) = target.components().next()
    {
        names.push(first.to_owned());
    }
    names
}

/// Whether `event` may have changed the file known in its directory by one of `names`: it
/// names one of them, and is not a mere read (inotify reports every open: a reload's own
/// reading of the file must not ask for another reload). A rescan (events were lost) concerns
/// every file.
fn concerns(event: &Event, names: &[OsString]) -> bool {
    if event.need_rescan() {
        return true;
    }
    let changes = match event.kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) | EventKind::Other => false,
        EventKind::Any | EventKind::Create(_) | EventKind::Modify(_) | EventKind::Remove(_) => true,
    };
    changes
        && event.paths.iter().any(|path| {
            path.file_name()
                .is_some_and(|file| names.iter().any(|name| name == file))
        })
}

/// Whether `event` says that the watched `directory` itself went (removed, or moved away): its
/// watch then ends, and nothing in it is seen any more.
fn removes(event: &Event, directory: &Path) -> bool {
    matches!(
        event.kind,
        EventKind::Remove(_)
            | EventKind::Modify(ModifyKind::Name(RenameMode::From | RenameMode::Any))
    ) && event.paths.iter().any(|path| path == directory)
}

#[cfg(test)]
mod tests {
    use notify_debouncer_full::notify::event::{
        CreateKind, DataChange, Flag, MetadataKind, RemoveKind,
    };

    use super::*;

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        paths
            .iter()
            .fold(Event::new(kind), |event, path| event.add_path(path.into()))
    }

    fn host() -> Vec<OsString> {
        vec!["host.toml".into()]
    }

    #[test]
    fn changes_to_the_file_concern_it_whatever_their_kind() {
        let changes = [
            EventKind::Create(CreateKind::File),
            EventKind::Modify(ModifyKind::Data(DataChange::Content)),
            EventKind::Modify(ModifyKind::Metadata(MetadataKind::Permissions)),
            EventKind::Remove(RemoveKind::File),
            EventKind::Access(AccessKind::Close(AccessMode::Write)),
            EventKind::Any,
        ];
        for kind in changes {
            assert!(
                concerns(&event(kind, &["/etc/app/host.toml"]), &host()),
                "{kind:?}"
            );
        }
    }

    #[test]
    fn a_file_renamed_over_the_watched_one_concerns_it() {
        let renamed = event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &["/etc/app/.host.toml.tmp", "/etc/app/host.toml"],
        );
        assert!(concerns(&renamed, &host()));
        let moved_away = event(
            EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
            &["/etc/app/host.toml", "/etc/app/host.toml~"],
        );
        assert!(concerns(&moved_away, &host()));
    }

    #[test]
    fn reads_and_other_files_do_not_concern_it() {
        let read = [
            AccessKind::Open(AccessMode::Any),
            AccessKind::Read,
            AccessKind::Close(AccessMode::Read),
            AccessKind::Any,
        ];
        for kind in read {
            let kind = EventKind::Access(kind);
            assert!(
                !concerns(&event(kind, &["/etc/app/host.toml"]), &host()),
                "{kind:?}"
            );
        }
        let other = EventKind::Modify(ModifyKind::Data(DataChange::Content));
        for path in ["/etc/app/host.toml.tmp", "/etc/app/other.toml", "/etc/app"] {
            assert!(!concerns(&event(other, &[path]), &host()), "{path}");
        }
        assert!(!concerns(
            &event(EventKind::Other, &["/etc/app/host.toml"]),
            &host()
        ));
    }

    #[test]
    fn lost_events_concern_every_file() {
        let rescan = Event::new(EventKind::Other).set_flag(Flag::Rescan);
        assert!(concerns(&rescan, &host()));
    }

    #[test]
    fn the_directory_going_away_is_noticed() {
        let directory = Path::new("/etc/app");
        let gone = [
            EventKind::Remove(RemoveKind::Folder),
            EventKind::Modify(ModifyKind::Name(RenameMode::From)),
        ];
        for kind in gone {
            assert!(removes(&event(kind, &["/etc/app"]), directory), "{kind:?}");
            assert!(
                !removes(&event(kind, &["/etc/app/host.toml"]), directory),
                "{kind:?}"
            );
        }
        let created = event(EventKind::Create(CreateKind::Folder), &["/etc/app"]);
        assert!(!removes(&created, directory));
    }

    #[test]
    fn a_watch_that_cannot_be_set_up_says_where_and_why() {
        let missing = Path::new("/nonexistent-plugin-factory-directory/host.toml");
        let error = Watch::start(missing, || {}).err().unwrap();
        assert_eq!(error, "/nonexistent-plugin-factory-directory: not found");
        let limit =
            cause(notify::Error::new(notify::ErrorKind::MaxFilesWatch).add_path("/x".into()));
        assert!(
            limit.starts_with("the system's limit of file watches"),
            "{limit}"
        );
        assert!(!limit.contains("/x"), "{limit}");
    }

    #[test]
    fn a_bare_file_name_is_watched_in_the_current_directory() {
        assert_eq!(
            split(Path::new("host.toml")),
            Some((".".into(), "host.toml".into()))
        );
        assert_eq!(
            split(Path::new("/etc/app/host.toml")),
            Some(("/etc/app".into(), "host.toml".into()))
        );
        assert_eq!(split(Path::new("/")), None);
        assert_eq!(split(Path::new("..")), None);
    }

    #[test]
    fn a_link_into_the_directory_is_watched_through_its_first_entry() {
        use std::os::unix::fs::symlink;
        let directory =
            std::env::temp_dir().join(format!("plugin-factory-watch-names-{}", std::process::id()));
        std::fs::create_dir_all(&directory).unwrap();
        let link = directory.join("host.toml");
        let _ = std::fs::remove_file(&link);
        assert_eq!(names(&link, OsStr::new("host.toml")), host());
        symlink("..data/host.toml", &link).unwrap();
        let through = names(&link, OsStr::new("host.toml"));
        std::fs::remove_file(&link).unwrap();
        symlink("/elsewhere/host.toml", &link).unwrap();
        let absolute = names(&link, OsStr::new("host.toml"));
        std::fs::remove_dir_all(&directory).unwrap();
        assert_eq!(through, ["host.toml", "..data"]);
        assert_eq!(absolute, host());
    }
}
