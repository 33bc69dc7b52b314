"""The annotators' site: pure page rendering (`render`), charts, and the MkDocs plugin shell."""
