-- Documents linked to their parents, so that a delete takes its whole subtree whatever kinds
-- it holds, and pages are read in SQL.
--   parent: the document this one belongs to (0 for a top-level document of its scope);
--   tree:   the top-level document of its tree (0 for top-level documents themselves);
--   name:   for kinds whose names are unique among siblings (a resource's path part), that name.
-- Ids are unique per (scope, tree, kind): an API's resources, stages and deployments each
-- have their own id space, top-level documents one per scope.
CREATE TABLE documents (
    seq     INTEGER PRIMARY KEY AUTOINCREMENT,
    account TEXT NOT NULL,
    region  TEXT NOT NULL,
    kind    TEXT NOT NULL,
    id      TEXT NOT NULL,
    parent  INTEGER NOT NULL,
    tree    INTEGER NOT NULL,
    name    TEXT,
    doc     TEXT NOT NULL
);
CREATE UNIQUE INDEX documents_key ON documents (account, region, tree, kind, id);
-- Listings walk this in seq order (every index ends with the rowid).
CREATE INDEX documents_list ON documents (account, region, tree, kind);
CREATE INDEX documents_children ON documents (parent, kind);
CREATE UNIQUE INDEX documents_names ON documents (parent, kind, name) WHERE name IS NOT NULL;
-- Top-level ids in any scope: execute-api hosts name only the API, and API ids are global.
CREATE INDEX documents_global ON documents (kind, id) WHERE tree = 0;

-- State written by the first schema: APIs at the top, everything else flat under its API.
INSERT INTO documents (seq, account, region, kind, id, parent, tree, doc)
SELECT seq, account, region, kind, id, 0, 0, doc FROM objects WHERE parent = '';

-- Resources hang under their parent resource (the root under the API); the rest under the API.
INSERT INTO documents (seq, account, region, kind, id, parent, tree, doc)
SELECT o.seq, o.account, o.region, o.kind, o.id, a.seq, a.seq, o.doc
FROM objects o JOIN documents a
  ON a.account = o.account AND a.region = o.region AND a.tree = 0 AND a.kind = 'restapi' AND a.id = o.parent
WHERE o.parent != '' AND o.kind IN ('resource', 'deployment', 'stage');

UPDATE documents SET parent = (
    SELECT p.seq FROM documents p
    WHERE p.tree = documents.tree AND p.kind = 'resource' AND p.id = json_extract(documents.doc, '$.parentId')
)
WHERE kind = 'resource' AND json_extract(doc, '$.parentId') IS NOT NULL
  AND EXISTS (
    SELECT 1 FROM documents p
    WHERE p.tree = documents.tree AND p.kind = 'resource' AND p.id = json_extract(documents.doc, '$.parentId')
  );

UPDATE documents SET name = json_extract(doc, '$.pathPart')
WHERE kind = 'resource' AND json_extract(doc, '$.pathPart') IS NOT NULL;

-- A deployment's snapshot hangs under the deployment.
INSERT INTO documents (seq, account, region, kind, id, parent, tree, doc)
SELECT o.seq, o.account, o.region, o.kind, o.id, d.seq, d.tree, o.doc
FROM objects o JOIN documents a
  ON a.account = o.account AND a.region = o.region AND a.tree = 0 AND a.kind = 'restapi' AND a.id = o.parent
JOIN documents d ON d.tree = a.seq AND d.kind = 'deployment' AND d.id = o.id
WHERE o.kind = 'deployment-snapshot';

DROP TABLE objects;
