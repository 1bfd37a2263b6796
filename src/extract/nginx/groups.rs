//! A project whose only CORS layer is nginx, read a group of main configurations at a time
//! ([`super::extract_in_groups`]): which configurations can be read apart, and their files parsed
//! whole again from the outlines the pipeline kept.

use super::{NginxFile, Tree};
use crate::model::Project;
use crate::parse::Parsed;
use crate::parse::nginx::Config;
use crate::parse::nginx::include::Root;
use crate::source::FileId;
use rayon::prelude::*;
use std::collections::HashMap;
use std::ops::Range;

/// Main configurations per group: enough that the rules' fixed cost per run does not count, few
/// enough that a group's trees and model stay a few megabytes.
const GROUP_ROOTS: usize = 64;

/// Runs of consecutive main configurations, of [`GROUP_ROOTS`] or a few more, that share no file
/// with a configuration outside the run (`files_read`: the files each configuration reads;
/// `last_reader[f]`: the last configuration that reads file `f`). In reading order, so that the
/// directive budget is spent as when all are read at once.
pub(super) fn independent<'a>(
    files_read: impl Iterator<Item = &'a [usize]>,
    last_reader: &[usize],
) -> Vec<Range<usize>> {
    let mut groups = Vec::new();
    let mut start = 0;
    let mut count = 0;
    // The last configuration that reads a file the current run reads: the run cannot end before.
    let mut reach = 0;
    for (at, files) in files_read.enumerate() {
        count = at + 1;
        for &file in files {
            reach = reach.max(last_reader.get(file).copied().unwrap_or(at));
        }
        if at >= reach && count - start >= GROUP_ROOTS {
            groups.push(start..count);
            start = count;
        }
    }
    if start < count {
        groups.push(start..count);
    }
    groups
}

/// The whole syntax trees of nginx files `ids`, parsed again from their text as the pipeline
/// parsed them (the trees it kept are outlines).
pub fn parse_whole(project: &Project, ids: Vec<FileId>) -> Vec<(FileId, Config)> {
    ids.into_par_iter()
        .filter_map(|id| match crate::parse::parse_source(project.files.get(id)?).tree {
            Parsed::Nginx(config) => Some((id, config)),
            _ => None,
        })
        .collect()
}

/// Replaces the outline of every file `roots` read by its whole tree.
pub(super) fn parse_whole_trees(project: &Project, roots: &[Root], files: &mut [NginxFile<'_>]) {
    let mut read: Vec<usize> = roots.iter().flat_map(|root| root.files.iter().copied()).collect();
    read.sort_unstable();
    read.dedup();
    let ids = read.iter().filter_map(|&at| files.get(at)).map(|f| f.file).collect();
    let mut whole: HashMap<FileId, Config> = parse_whole(project, ids).into_iter().collect();
    for at in read {
        if let Some(file) = files.get_mut(at)
            && let Some(config) = whole.remove(&file.file)
        {
            file.tree = Tree::Owned(config);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn groups(files_read: &[&[usize]]) -> Vec<Range<usize>> {
        let mut last_reader = Vec::new();
        for (at, files) in files_read.iter().enumerate() {
            for &file in *files {
                if last_reader.len() <= file {
                    last_reader.resize(file + 1, 0);
                }
                last_reader[file] = at;
            }
        }
        independent(files_read.iter().copied(), &last_reader)
    }

    #[test]
    fn a_group_ends_only_where_no_file_is_read_again() {
        // 200 configurations, each its own file; 10 and 150 also read file 1000.
        let own: Vec<Vec<usize>> =
            (0..200).map(|i| if i == 10 || i == 150 { vec![i, 1000] } else { vec![i] }).collect();
        let read: Vec<&[usize]> = own.iter().map(Vec::as_slice).collect();
        assert_eq!(groups(&read), [0..151, 151..200]);
        let apart: Vec<Vec<usize>> = (0..200).map(|i| vec![i]).collect();
        let read: Vec<&[usize]> = apart.iter().map(Vec::as_slice).collect();
        assert_eq!(groups(&read), [0..64, 64..128, 128..192, 192..200]);
        assert_eq!(groups(&[]), Vec::<Range<usize>>::new());
    }
}
