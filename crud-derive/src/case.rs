//! Name conversions, by heck's rules.

use heck::ToSnakeCase;

/// `TaskList` → `task_list`, `HTTPLog` → `http_log`.
pub(crate) fn snake_case(name: &str) -> String {
    name.to_snake_case()
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn words_and_acronyms_become_snake_case() {
        assert_eq!(snake_case("Task"), "task");
        assert_eq!(snake_case("TaskList"), "task_list");
        assert_eq!(snake_case("HTTPLog"), "http_log");
        assert_eq!(snake_case("ApiV2Key"), "api_v2_key");
        assert_eq!(snake_case("InProgress"), "in_progress");
    }
}
