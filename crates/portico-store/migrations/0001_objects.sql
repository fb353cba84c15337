-- Every control-plane object is one row: a typed document under its scope.
-- `kind` names the document type, `parent` the owning object (an API id, or '' at the top).
CREATE TABLE objects (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    parent  TEXT NOT NULL,
    id      TEXT NOT NULL,
    doc     TEXT NOT NULL
);
CREATE UNIQUE INDEX objects_key ON objects (account, region, kind, parent, id);
-- The data plane finds a stage by API id alone, the way execute-api hosts name it.
CREATE INDEX objects_by_parent ON objects (kind, parent, id);
