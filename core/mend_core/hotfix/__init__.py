"""`mend hotfix`: turn hand-made drift into a recorded migration, marked applied where it is.

One module per wizard step, each a function taking data in and returning data out, so that the
CLI and a wizard walk the same stages: `items.find_items` (Items), `items.select_items` and
`naming.name_migration` (Name), `preview.preview_hotfix` (Preview, rehearsed in a shadow),
`target_check.check_targets` (Targets, from `targets.load_inventory`), `apply.apply_hotfix`
(Apply, with progress callbacks) and `verify.verify_hotfix` (Verify). `fleet.fleet_status` is
`mend status --targets`.
"""
