//! Skills, the levels agents have in them, and teams.

use std::collections::BTreeMap;

use protocol::admin::{SkillLevel, Team, TeamConfig};
use protocol::{AgentId, SkillId, TeamId};

use super::db::on_db;
use super::{is_unique_violation, now_ms, Result, Store, StoreError};

/// Whether agent `a` serves queue `q`: the queue is of one of the agent's
/// sites (any site for an admin) and open to every agent or to a team the
/// agent is in.
pub(super) const SERVED: &str = "(a.role = 'admin' OR q.site_id IN (SELECT s.site_id FROM agent_sites s WHERE s.agent_id = a.id))
     AND (q.team_id IS NULL OR q.team_id IN (SELECT m.team_id FROM team_members m WHERE m.agent_id = a.id))";

impl Store {
    pub async fn skills(&self) -> Result<Vec<protocol::admin::Skill>> {
        let sql = "SELECT id, name FROM skills ORDER BY name";
        let rows: Vec<(i64, String)> = on_db!(&self.db, pool => sqlx::query_as(sql).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(id, name)| protocol::admin::Skill { id: SkillId(id), name }).collect())
    }

    pub async fn create_skill(&self, name: &str) -> Result<SkillId> {
        let sql = "INSERT INTO skills (name, created_at) VALUES ($1, $2) RETURNING id";
        let id: std::result::Result<i64, sqlx::Error> =
            on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(name.trim()).bind(now_ms()).fetch_one(pool).await);
        match id {
            Ok(id) => Ok(SkillId(id)),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a skill with that name")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn rename_skill(&self, id: SkillId, name: &str) -> Result<()> {
        let sql = "UPDATE skills SET name = $1 WHERE id = $2";
        let n: std::result::Result<u64, sqlx::Error> =
            on_db!(&self.db, pool => sqlx::query(sql).bind(name.trim()).bind(id.get()).execute(pool).await.map(|r| r.rows_affected()));
        match n {
            Ok(0) => Err(StoreError::NotFound("skill")),
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a skill with that name")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_skill(&self, id: SkillId) -> Result<()> {
        let n = on_db!(&self.db, pool => sqlx::query("DELETE FROM skills WHERE id = $1").bind(id.get()).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("skill"));
        }
        Ok(())
    }

    pub async fn agent_skills(&self, agent: AgentId) -> Result<Vec<SkillLevel>> {
        let sql = "SELECT skill_id, level FROM agent_skills WHERE agent_id = $1 ORDER BY skill_id";
        let rows: Vec<(i64, i64)> = on_db!(&self.db, pool => sqlx::query_as(sql).bind(agent.get()).fetch_all(pool).await?);
        Ok(rows.into_iter().map(|(skill, level)| SkillLevel { skill_id: SkillId(skill), level: level.clamp(1, 5) as u8 }).collect())
    }

    /// Replaces the agent's skills.
    pub async fn set_agent_skills(&self, agent: AgentId, skills: &[SkillLevel]) -> Result<()> {
        let skills: BTreeMap<SkillId, u8> = skills.iter().map(|s| (s.skill_id, s.level.clamp(1, 5))).collect();
        on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            sqlx::query("DELETE FROM agent_skills WHERE agent_id = $1").bind(agent.get()).execute(&mut *tx).await?;
            for (skill, level) in &skills {
                sqlx::query("INSERT INTO agent_skills (agent_id, skill_id, level) VALUES ($1, $2, $3)")
                    .bind(agent.get())
                    .bind(skill.get())
                    .bind(i64::from(*level))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    pub async fn teams(&self) -> Result<Vec<Team>> {
        let teams: Vec<(i64, String)> = on_db!(&self.db, pool => sqlx::query_as("SELECT id, name FROM teams ORDER BY name").fetch_all(pool).await?);
        let members: Vec<(i64, i64)> =
            on_db!(&self.db, pool => sqlx::query_as("SELECT team_id, agent_id FROM team_members ORDER BY agent_id").fetch_all(pool).await?);
        Ok(teams
            .into_iter()
            .map(|(id, name)| Team { id: TeamId(id), name, members: members.iter().filter(|m| m.0 == id).map(|m| AgentId(m.1)).collect() })
            .collect())
    }

    pub async fn create_team(&self, config: &TeamConfig) -> Result<TeamId> {
        let sql = "INSERT INTO teams (name, created_at) VALUES ($1, $2) RETURNING id";
        let id: std::result::Result<i64, sqlx::Error> =
            on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(config.name.trim()).bind(now_ms()).fetch_one(pool).await);
        let id = match id {
            Ok(id) => TeamId(id),
            Err(e) if is_unique_violation(&e) => return Err(StoreError::Duplicate("a team with that name")),
            Err(e) => return Err(e.into()),
        };
        self.update_team(id, config).await?;
        Ok(id)
    }

    /// Renames the team and replaces its members.
    pub async fn update_team(&self, id: TeamId, config: &TeamConfig) -> Result<()> {
        let renamed: std::result::Result<u64, sqlx::Error> = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let n = sqlx::query("UPDATE teams SET name = $1 WHERE id = $2").bind(config.name.trim()).bind(id.get()).execute(&mut *tx).await.map(|r| r.rows_affected());
            if matches!(n, Ok(1)) {
                sqlx::query("DELETE FROM team_members WHERE team_id = $1").bind(id.get()).execute(&mut *tx).await?;
                for agent in &config.members {
                    sqlx::query("INSERT INTO team_members (team_id, agent_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                        .bind(id.get())
                        .bind(agent.get())
                        .execute(&mut *tx)
                        .await?;
                }
                tx.commit().await?;
            }
            n
        });
        match renamed {
            Ok(0) => Err(StoreError::NotFound("team")),
            Ok(_) => Ok(()),
            Err(e) if is_unique_violation(&e) => Err(StoreError::Duplicate("a team with that name")),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn delete_team(&self, id: TeamId) -> Result<()> {
        let n = on_db!(&self.db, pool => sqlx::query("DELETE FROM teams WHERE id = $1").bind(id.get()).execute(pool).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound("team"));
        }
        Ok(())
    }

    /// The queues an agent serves: those of the agent's sites (every site
    /// for an admin) that are open to every agent or to a team the agent
    /// is in. Read at each login, so they follow the agent to any browser.
    pub async fn queues_served_by(&self, agent: AgentId) -> Result<Vec<protocol::QueueId>> {
        let sql = format!("SELECT q.id FROM queues q, agents a WHERE a.id = $1 AND {SERVED} ORDER BY q.id");
        let ids: Vec<i64> = on_db!(&self.db, pool => sqlx::query_scalar(&sql).bind(agent.get()).fetch_all(pool).await?);
        Ok(ids.into_iter().map(protocol::QueueId).collect())
    }
}
