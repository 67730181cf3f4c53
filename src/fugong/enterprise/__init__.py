"""The enterprise resumption platform (企业复工平台): declarations, review, white list, priority, employees, tasks."""
