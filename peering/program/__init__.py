"""``pulumi up``: reads through Pulumi's invokes and Heroku, pre-flight, existing objects, the component.

The one front-end that imports Pulumi's runtime; it never imports the doctor.
"""
