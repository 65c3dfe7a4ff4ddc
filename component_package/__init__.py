"""``HerokuPeering`` as a Pulumi component package, for programs in any Pulumi language.

``pulumi package add <this folder>`` (or its git URL) gives YAML programs the ``heroku-peering`` package and
TypeScript, Go and Python programs a generated SDK. The plugin is this folder, run by Pulumi's Python
language host (``PulumiPlugin.yaml``, ``__main__.py``); its provider (``servicer.py``) serves the component
(Construct) and the acceptance as a custom resource of its own, with the same code as the Python program.
"""
