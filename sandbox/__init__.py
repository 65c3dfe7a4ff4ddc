"""A local stand-in for Heroku's Platform API and both AWS accounts (moto), for trying and testing."""
