-- Cases: complaints and requests dispatched to departments. Admins keep
-- the departments and their members; members see their department's
-- queue. Due times are set from the severity when a case opens (and again
-- when it changes); a case past one without it being met is escalated
-- once (escalated_at), which the console flags and a webhook announces.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
);
CREATE TABLE department_members (
    department_id INTEGER NOT NULL REFERENCES departments(id) ON DELETE CASCADE,
    agent_id INTEGER NOT NULL REFERENCES agents(id) ON DELETE CASCADE,
    PRIMARY KEY (department_id, agent_id)
);
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    severity TEXT NOT NULL,
    priority INTEGER NOT NULL,
    status TEXT NOT NULL,
    department_id INTEGER NOT NULL REFERENCES departments(id),
    assignee_id INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    conversation_id INTEGER REFERENCES conversations(id) ON DELETE SET NULL,
    contact_id INTEGER REFERENCES contacts(id) ON DELETE SET NULL,
    resolution TEXT NOT NULL DEFAULT '',
    opened_by INTEGER REFERENCES agents(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    first_response_due INTEGER NOT NULL,
    resolution_due INTEGER NOT NULL,
    first_response_at INTEGER,
    resolved_at INTEGER,
    escalated_at INTEGER
);
CREATE INDEX cases_department ON cases (department_id, status);
CREATE INDEX cases_open_due ON cases (escalated_at, resolution_due);
